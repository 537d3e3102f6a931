"""Charts of a release page, drawn on the server as inline SVG from the release's stats and diff (no script)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

KIND_COLOURS = {
    "freeform_skill": "#2b5c9e",
    "grounded_skill": "#7b3fa0",
    "knowledge": "#8a5a00",
    "skills": "#2b5c9e",
}
KEPT_COLOUR = "#2d6a4f"
PALETTE = ["#a4262c", "#d9822b", "#8a5a00", "#5a6570", "#7b3fa0", "#2b5c9e", "#b04f7a", "#3f7f8c"]
PREVIOUS_COLOUR = "#9aa5ae"
CURRENT_COLOUR = "#2d6a4f"

WIDTH = 720
LABEL_W = 250
VALUE_W = 70
#: The value column of paired bars holds "after (+delta)", about twice a plain value.
PAIRED_VALUE_W = 140
BAR_H = 18
ROW_H = 28
LEGEND_H = 22


# --- Reading the stats and diff a build writes. Tolerant: a missing or odd key draws nothing, never an error. ---

def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def composition(stats: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, int]]]]:
    """Rows by area, each split by kind: ``[(area, [(kind, rows), ...]), ...]``, largest area first.

    Reads ``stats["by_area_kind"]`` (or ``composition``) as ``[{"area", "kind", "rows"}, ...]`` or
    ``{area: {kind: rows}}``, and falls back on ``stats["by_area"]`` as ``{area: rows}``.
    """
    if not isinstance(stats, Mapping):
        return []
    raw = stats.get("by_area_kind", stats.get("composition", stats.get("by_area")))
    table: dict[str, dict[str, int]] = {}
    if isinstance(raw, Mapping):
        for area, kinds in raw.items():
            if isinstance(kinds, Mapping):
                for kind, rows in kinds.items():
                    table.setdefault(str(area), {})[str(kind)] = _int(rows)
            else:
                table.setdefault(str(area), {})["rows"] = _int(kinds)
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and "area" in item:
                kinds = table.setdefault(str(item["area"]), {})
                kind = str(item.get("kind", "rows"))
                kinds[kind] = kinds.get(kind, 0) + _int(item.get("rows", item.get("count")))
    result = [(area, sorted(kinds.items())) for area, kinds in table.items()]
    return sorted(result, key=lambda entry: (-sum(n for _, n in entry[1]), entry[0]))


def filtering(stats: Mapping[str, Any]) -> tuple[int, list[tuple[str, int]]]:
    """Rows kept, and rows filtered out per reason (largest first), from ``stats["kept"]`` and ``stats["filtered"]``.

    ``filtered`` may be ``{reason: count}`` or ``[{"reason", "count"}, ...]``; ``dropped`` is read as its synonym.
    """
    if not isinstance(stats, Mapping):
        return 0, []
    kept = stats.get("kept")
    if isinstance(kept, Mapping):
        kept = kept.get("rows", kept.get("total"))
    if kept is None:
        rows = stats.get("rows")
        kept = rows.get("total") if isinstance(rows, Mapping) else rows
    raw = stats.get("filtered", stats.get("dropped"))
    reasons: dict[str, int] = {}
    if isinstance(raw, Mapping):
        for reason, count in raw.items():
            if isinstance(count, Mapping):
                count = count.get("rows", count.get("count"))
            reasons[str(reason)] = reasons.get(str(reason), 0) + _int(count)
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and "reason" in item:
                reason = str(item["reason"])
                reasons[reason] = reasons.get(reason, 0) + _int(item.get("count", item.get("rows")))
    return _int(kept), sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass
class DiffView:
    """The diff against the previous release, in the shape the page draws."""

    previous: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    areas: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.previous or self.added or self.removed or self.changed or self.areas)


def _paths(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return sorted(str(k) for k in value)
    if isinstance(value, list | tuple):
        return sorted(str(v.get("path", v)) if isinstance(v, Mapping) else str(v) for v in value)
    return []


def _before_after(value: Any) -> tuple[int, int]:
    if isinstance(value, Mapping):
        before = value.get("before", value.get("previous", value.get("old", 0)))
        after = value.get("after", value.get("current", value.get("new", 0)))
        return _int(before), _int(after)
    if isinstance(value, list | tuple) and len(value) == 2:
        return _int(value[0]), _int(value[1])
    return 0, _int(value)


def diff_view(diff: Mapping[str, Any]) -> DiffView:
    """Reads ``{"previous", "leaves": {"added", "removed", "changed"}, "rows_per_area": {area: {"before", "after"}}}``.

    Flat ``leaves_added`` / ``added`` keys, and ``areas`` as a synonym of ``rows_per_area``, are read too.
    """
    if not isinstance(diff, Mapping) or not diff:
        return DiffView()
    raw_leaves = diff.get("leaves")
    leaves: Mapping[str, Any] = raw_leaves if isinstance(raw_leaves, Mapping) else {}
    view = DiffView(previous=str(diff.get("previous") or diff.get("against") or ""))
    for name in ("added", "removed", "changed"):
        value = leaves.get(name, diff.get(f"leaves_{name}", diff.get(name)))
        setattr(view, name, _paths(value))
    raw = diff.get("rows_per_area", diff.get("rows_by_area", diff.get("areas", diff.get("by_area"))))
    if isinstance(raw, Mapping):
        view.areas = [(str(area), *_before_after(v)) for area, v in raw.items()]
    elif isinstance(raw, list):
        view.areas = [
            (str(item["area"]), *_before_after(item)) for item in raw if isinstance(item, Mapping) and "area" in item
        ]
    view.areas.sort(key=lambda row: (-max(row[1], row[2]), row[0]))
    return view


# --- Drawing. Every label goes through format_html, so text from the data is escaped. ---

def _colour(name: str, index: int, fixed: Mapping[str, str]) -> str:
    return fixed.get(name) or PALETTE[index % len(PALETTE)]


def _svg(*, label: str, css: str, height: int, parts: Iterable[str]) -> SafeString:
    head = format_html(
        '<svg class="chart {}" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        css, label, WIDTH, height,
    )
    return mark_safe(head + format_html("<title>{}</title>", label) + "".join(parts) + "</svg>")


def _legend(entries: Sequence[tuple[str, str]], y: int) -> list[str]:
    parts: list[str] = []
    x = 0
    for name, colour in entries:
        parts.append(
            format_html(
                '<g class="chart-legend"><rect x="{}" y="{}" width="12" height="12" rx="2" fill="{}"></rect>'
                '<text x="{}" y="{}">{}</text></g>',
                x, y, colour, x + 16, y + 11, name,
            )
        )
        x += 16 + 7 * len(name) + 18
    return parts


def _label(text: str, y: int) -> str:
    shown = text if len(text) <= 36 else "…" + text[-35:]
    return format_html('<text class="chart-label" x="{}" y="{}" text-anchor="end">{}<title>{}</title></text>',
                       LABEL_W - 8, y, shown, text)


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], *, label: str, colours: Mapping[str, str] | None = None,
    css: str = "",
) -> SafeString:
    """Horizontal bars, one per row, each stacked by series, scaled to the largest total; a legend below."""
    fixed = colours or {}
    series: list[str] = []
    for _, segments in rows:
        for name, _ in segments:
            if name not in series:
                series.append(name)
    colour = {name: _colour(name, i, fixed) for i, name in enumerate(series)}
    biggest = max((sum(n for _, n in segments) for _, segments in rows), default=0) or 1
    span = WIDTH - LABEL_W - VALUE_W
    parts: list[str] = []
    for i, (row_label, segments) in enumerate(rows):
        y = i * ROW_H + 4
        parts.append(_label(row_label, y + BAR_H - 4))
        x = float(LABEL_W)
        total = 0
        for name, count in segments:
            if count <= 0:
                continue
            w = span * count / biggest
            parts.append(
                format_html(
                    '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {} {} rows</title></rect>",
                    f"{x:.2f}", y, f"{max(w, 1):.2f}", BAR_H, colour[name], row_label, name, count,
                )
            )
            x += w
            total += count
        parts.append(format_html('<text class="chart-value" x="{}" y="{}">{}</text>', f"{x + 6:.2f}", y + BAR_H - 4, total))
    legend_y = len(rows) * ROW_H + 8
    parts += _legend([(name, colour[name]) for name in series], legend_y)
    return _svg(label=label, css=css, height=legend_y + LEGEND_H, parts=parts)


def paired_bars(
    rows: Sequence[tuple[str, int, int]], *, label: str, names: tuple[str, str], css: str = ""
) -> SafeString:
    """Two thin bars per row (before and after), scaled to the largest value; a legend below."""
    biggest = max((max(a, b) for _, a, b in rows), default=0) or 1
    span = WIDTH - LABEL_W - PAIRED_VALUE_W
    half = BAR_H // 2
    parts: list[str] = []
    for i, (row_label, before, after) in enumerate(rows):
        y = i * ROW_H + 4
        parts.append(_label(row_label, y + BAR_H - 4))
        for offset, value, colour, name in ((0, before, PREVIOUS_COLOUR, names[0]), (half, after, CURRENT_COLOUR, names[1])):
            w = span * value / biggest
            parts.append(
                format_html(
                    '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} in {}: {} rows</title></rect>',
                    LABEL_W, y + offset, f"{max(w, 1 if value else 0):.2f}", half - 1, colour, row_label, name, value,
                )
            )
        delta = after - before
        sign = "+" if delta > 0 else ""
        parts.append(
            format_html('<text class="chart-value" x="{}" y="{}">{} ({}{})</text>',
                        f"{LABEL_W + span * max(before, after) / biggest + 6:.2f}", y + BAR_H - 4, after, sign, delta)
        )
    legend_y = len(rows) * ROW_H + 8
    parts += _legend([(names[0], PREVIOUS_COLOUR), (names[1], CURRENT_COLOUR)], legend_y)
    return _svg(label=label, css=css, height=legend_y + LEGEND_H, parts=parts)


@dataclass
class ReleaseCharts:
    """The charts of one release page, each None when its data is missing."""

    composition: SafeString | None
    filtering: SafeString | None
    diff: SafeString | None
    kept: int
    filtered: list[tuple[str, int]]
    diff_view: DiffView


def release_charts(
    stats: Mapping[str, Any], diff: Mapping[str, Any], *, version: str, previous: str = "",
    generation_filtered: Mapping[str, int] | None = None,
) -> ReleaseCharts:
    """Composition by area and kind, kept versus filtered by reason, and rows per area against the previous release.

    ``generation_filtered`` adds the samples the generation runs' judges filtered, beside the build's drops.
    """
    rows = composition(stats or {})
    kept, reasons = filtering(stats or {})
    if generation_filtered:
        extra = [(f"generation: {reason}", _int(n)) for reason, n in sorted(generation_filtered.items()) if _int(n)]
        reasons = sorted([*reasons, *extra], key=lambda kv: (-kv[1], kv[0]))
    view = diff_view(diff or {})
    if not view.previous and previous and not view.empty:
        view.previous = previous
    composition_svg = (
        stacked_bars(rows, label=f"Rows of {version} by area and kind", colours=KIND_COLOURS, css="chart--composition")
        if rows else None
    )
    filtering_svg = (
        stacked_bars(
            [("samples", [("kept", kept), *reasons])], label=f"Rows of {version} kept and filtered, by reason",
            colours={"kept": KEPT_COLOUR}, css="chart--filtering",
        )
        if kept or reasons else None
    )
    diff_svg = (
        paired_bars(
            view.areas, label=f"Rows per area: {view.previous or 'previous'} and {version}",
            names=(view.previous or "previous", version), css="chart--diff",
        )
        if view.areas else None
    )
    return ReleaseCharts(composition_svg, filtering_svg, diff_svg, kept, reasons, view)
