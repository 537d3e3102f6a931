"""Forms of the generation pages: starting a run over a taxonomy version, and filtering a run's samples."""

from __future__ import annotations

from typing import Any

from django import forms

from contrib.synth.choices import RunScope
from contrib.synth.models import GenerationRun, Teacher
from contrib.synth.services import MAX_SCALE
from taxonomy.models import TaxonomyVersion


class RunStartForm(forms.Form):
    """A maintainer's run over every leaf of a taxonomy version, in full or incrementally from an earlier run."""

    taxonomy_version = forms.ModelChoiceField(
        queryset=TaxonomyVersion.objects.order_by("-number"), to_field_name="number", empty_label=None,
    )
    teacher = forms.ModelChoiceField(queryset=Teacher.objects.filter(enabled=True), empty_label=None)
    scale = forms.IntegerField(min_value=1, max_value=MAX_SCALE, initial=2, help_text="Samples per seed example.")
    seed = forms.IntegerField(initial=0, help_text="The same seed gives the same sampling.")
    incremental_from = forms.ModelChoiceField(
        queryset=GenerationRun.objects.filter(scope=RunScope.TAXONOMY).order_by("-pk"),
        required=False,
        empty_label="(none: generate every leaf)",
        help_text="Reuse the samples of leaves unchanged since this run; it must have the same scale and seed.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["taxonomy_version"]
        field.label_from_instance = lambda v: f"version {v.number}: {v.message}"[:120]  # type: ignore[attr-defined]
        runs = self.fields["incremental_from"]
        runs.label_from_instance = (  # type: ignore[attr-defined]
            lambda r: f"run {r.pk}: version {r.taxonomy_version_id}, scale {r.scale}, seed {r.seed} ({r.status})"
        )


class SampleFilterForm(forms.Form):
    """Which of a run's samples to list: kept or filtered ones, and one leaf's."""

    kept = forms.ChoiceField(
        choices=[("", "All"), ("kept", "Kept"), ("filtered", "Filtered")], required=False, label="Show",
    )
    leaf = forms.CharField(required=False, max_length=1024, label="Leaf path")

    def selection(self) -> tuple[bool | None, str | None]:
        """The ``kept`` and ``leaf`` arguments of ``run_samples``; an invalid filter shows everything."""
        if not self.is_valid():
            return None, None
        kept = {"kept": True, "filtered": False}.get(self.cleaned_data["kept"])
        return kept, (self.cleaned_data["leaf"] or None)
