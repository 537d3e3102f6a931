"""HTML pages of the taxonomy: the tree browser with search, and the leaf page with its history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from taxonomy import selectors
from taxonomy.choices import READ_ONLY_ROOTS
from taxonomy.exceptions import InvalidPath
from taxonomy.forms import LeafQueryForm, TreeQueryForm
from taxonomy.models import TaxonomyVersion
from taxonomy.paths import ROOTS, normalize_path

#: How many versions the version selector lists (newest first); older ones stay reachable by ?version=N.
VERSION_CHOICES = 200
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Crumb:
    """One link of the breadcrumb trail above a directory or leaf."""

    name: str
    path: str


def _crumbs(path: str) -> list[Crumb]:
    parts = path.split("/") if path else []
    return [Crumb(name=part, path="/".join(parts[: i + 1])) for i, part in enumerate(parts)]


def _query(form_class: type[forms.Form], request: HttpRequest) -> dict[str, Any]:
    form = form_class(request.GET)
    if not form.is_valid():
        raise BadRequest("; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items()))
    return form.cleaned_data


def _directory_path(raw: str) -> str:
    """A directory path from the URL: a root, or a valid taxonomy path; anything else is not found."""
    if raw in ROOTS:
        return raw
    return _leaf_path(raw)


def _leaf_path(raw: str) -> str:
    try:
        path = normalize_path(raw)
    except InvalidPath as exc:
        raise Http404(str(exc)) from None
    if path != raw:
        raise Http404(f"{raw!r} is not a canonical taxonomy path.")
    return path


def _not_found(request: HttpRequest, title: str, message: str, **context: Any) -> HttpResponse:
    return render(
        request, "taxonomy/not_found.html", {"title": title, "message": message, **context}, status=404
    )


def _version_query(number: int | None) -> str:
    """``?version=N`` to keep on links, or "" to let them follow the head."""
    return f"?{urlencode({'version': number})}" if number else ""


def tree(request: HttpRequest, path: str = "") -> HttpResponse:
    """The tree browser: a directory at a version, or search results when ``?q=`` is given."""
    query = _query(TreeQueryForm, request)
    if path:
        path = _directory_path(path)
    versions = selectors.version_list(limit=VERSION_CHOICES)
    if not versions:
        if path:
            return _not_found(request, "No taxonomy yet", "Nothing has been imported, so no directory exists yet.")
        return render(request, "taxonomy/tree.html", {"empty": True})
    head = versions[0]
    version = _pick_version(versions, query["version"])
    if version is None:
        return _not_found(
            request,
            "No such version",
            f"There is no version {query['version']}; the newest is {head.number}.",
        )
    if version not in versions:
        versions.append(version)

    q: str = query["q"]
    results = selectors.leaf_search(q, version.number, limit=SEARCH_LIMIT) if q else None
    entries = selectors.directory_at(path, version.number) if results is None else []
    if path and results is None and not entries:
        if selectors.leaf_at(path, version.number) is not None:
            return redirect(reverse("taxonomy:leaf", args=[path]) + _version_query(query["version"]))
        return _not_found(
            request,
            "No such directory",
            f"{path} holds no leaves at version {version.number}.",
        )
    return render(
        request,
        "taxonomy/tree.html",
        {
            "path": path,
            "name": path.rsplit("/", 1)[-1],
            "crumbs": _crumbs(path),
            "read_only": path.split("/", 1)[0] in READ_ONLY_ROOTS if path else False,
            "version_query": _version_query(None if version.number == head.number else version.number),
            "search_version": None if version.number == head.number else version.number,
            "version": version,
            "head": head,
            "is_head": version.number == head.number,
            "versions": versions,
            "entries": entries,
            "leaf_total": sum(e.leaf_count for e in entries),
            "q": q,
            "results": results,
            "search_limit": SEARCH_LIMIT,
        },
    )


def _pick_version(versions: list[TaxonomyVersion], number: int | None) -> TaxonomyVersion | None:
    if number is None:
        return versions[0]
    for version in versions:
        if version.number == number:
            return version
    return selectors.version_find(number)


@dataclass(frozen=True)
class LeafAddress:
    """A leaf URL, parsed: the path, the ``?version=`` asked for, and the version to show (None if none)."""

    path: str
    requested: int | None
    number: int | None
    head_number: int | None


def _leaf_address(request: HttpRequest, raw_path: str) -> LeafAddress:
    query = _query(LeafQueryForm, request)
    path = _leaf_path(raw_path)
    head = selectors.version_head()
    head_number = head.number if head else None
    requested: int | None = query["version"]
    number = requested or head_number
    # Versions are numbered 1..head without gaps, so any number up to the head exists.
    if number is not None and (head_number is None or number > head_number):
        number = None
    return LeafAddress(path=path, requested=requested, number=number, head_number=head_number)


def leaf(request: HttpRequest, path: str) -> HttpResponse:
    """A leaf at a version: its seed examples, attribution, hashes and history."""
    address = _leaf_address(request, path)
    path = address.path
    history = selectors.leaf_history(path)
    revision = selectors.leaf_at(path, address.number) if address.number else None
    if revision is None:
        if address.number is None and address.requested:
            message = f"There is no version {address.requested}; the newest is {address.head_number or 0}."
        elif history:
            message = f"{path} is not in the tree at version {address.number}. Its history is below."
        else:
            message = f"There is no leaf at {path}."
        return _not_found(request, "Leaf not found", message, history=history, leaf_path=path)
    return render(
        request,
        "taxonomy/leaf.html",
        {
            "path": path,
            "leaf_path": path,
            "name": path.rsplit("/", 1)[-1],
            "crumbs": _crumbs(path),
            "read_only": path.split("/", 1)[0] in READ_ONLY_ROOTS,
            "revision": revision,
            "number": address.number,
            "requested": address.requested,
            "head_number": address.head_number,
            "history": history,
            "documents": selectors.leaf_document_names(revision),
            "version_query": _version_query(address.requested),
            "search_version": address.requested,
        },
    )


def leaf_qna(request: HttpRequest, path: str) -> HttpResponse:
    """The exact bytes of a leaf's qna.yaml as plain text, never as HTML."""
    address = _leaf_address(request, path)
    revision = selectors.leaf_at(address.path, address.number) if address.number else None
    if revision is None:
        raise Http404(f"There is no leaf at {address.path} in version {address.requested or address.head_number}.")
    response = HttpResponse(bytes(revision.qna.data), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="qna.yaml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
