"""Forms of the release pages: a new release, a withdrawal, and the release-candidate schedule."""

from __future__ import annotations

from typing import Any

from django import forms

from contrib.releases.models import default_config
from contrib.synth.choices import RunScope
from contrib.synth.models import GenerationRun, Teacher
from contrib.synth.services import MAX_SCALE
from taxonomy.models import TaxonomyVersion

DEFAULTS = default_config()


class ReleaseCreateForm(forms.Form):
    """A maintainer's new release: version, taxonomy version, the runs to include, and the build config."""

    version = forms.CharField(max_length=64, help_text="CalVer such as 2026.11.0, or SemVer such as 1.2.0.")
    taxonomy_version = forms.ModelChoiceField(
        queryset=TaxonomyVersion.objects.order_by("-number"), to_field_name="number", empty_label=None,
    )
    runs = forms.ModelMultipleChoiceField(
        queryset=GenerationRun.objects.filter(scope=RunScope.TAXONOMY).order_by("-pk"),
        required=False, label="Generation runs", help_text="The runs whose kept samples the release includes.",
    )
    include_seed_examples = forms.BooleanField(
        required=False, initial=DEFAULTS["include_seed_examples"], label="Include seed examples as rows",
    )
    near_dup_threshold = forms.FloatField(
        min_value=0.0, max_value=1.0, initial=DEFAULTS["near_dup_threshold"], label="Near-duplicate threshold",
        help_text="Jaccard similarity above which a row is a near-duplicate (0 to 1).",
    )
    test_fraction = forms.FloatField(
        min_value=0.0, max_value=1.0, initial=DEFAULTS["test_fraction"], help_text="Share of leaves in the test split.",
    )
    seed = forms.IntegerField(initial=DEFAULTS["seed"], help_text="The same seed gives the same split.")
    system_prompt = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)

    CONFIG_FIELDS = ("include_seed_examples", "near_dup_threshold", "test_fraction", "seed", "system_prompt")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["taxonomy_version"]
        field.label_from_instance = lambda v: f"version {v.number}: {v.message}"[:120]  # type: ignore[attr-defined]
        runs = self.fields["runs"]
        runs.label_from_instance = (  # type: ignore[attr-defined]
            lambda r: f"run {r.pk}: version {r.taxonomy_version_id}, scale {r.scale} ({r.status})"
        )

    def service_kwargs(self) -> dict[str, Any]:
        """The arguments of ``release_create`` (without ``created_by``)."""
        data = self.cleaned_data
        return {
            "version": data["version"].strip(),
            "taxonomy_version": data["taxonomy_version"].number,
            "runs": [run.pk for run in data["runs"]],
            "config": {name: data[name] for name in self.CONFIG_FIELDS},
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown on the release page and in its downloads' audit trail, e.g. a licence was withdrawn.",
    )


class ScheduleForm(forms.Form):
    """When to cut a release candidate automatically, and with which teacher and scale."""

    name = forms.CharField(max_length=200, initial="monthly release candidate", help_text="Setting a name again replaces it.")
    crontab = forms.CharField(
        max_length=200, initial="0 3 1 * *", label="Crontab",
        help_text='Five fields "minute hour day-of-month month day-of-week" in UTC; "0 3 1 * *" is 03:00 on the 1st.',
    )
    teacher = forms.ModelChoiceField(queryset=Teacher.objects.filter(enabled=True).order_by("name"), to_field_name="name",
                                     empty_label=None)
    scale = forms.IntegerField(min_value=1, max_value=MAX_SCALE, initial=2, help_text="Samples per seed example.")
    enabled = forms.BooleanField(required=False, initial=True)
