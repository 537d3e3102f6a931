"""Filters of the taxonomy API's list endpoints."""

from __future__ import annotations

import django_filters

from taxonomy.choices import VersionOrigin
from taxonomy.models import TaxonomyVersion


class TaxonomyVersionFilterSet(django_filters.FilterSet):
    """``?origin=import``, ``?number_min=3``, ``?number_max=9``."""

    origin = django_filters.ChoiceFilter(choices=VersionOrigin.choices)
    number_min = django_filters.NumberFilter(field_name="number", lookup_expr="gte", label="Oldest version number")
    number_max = django_filters.NumberFilter(field_name="number", lookup_expr="lte", label="Newest version number")

    class Meta:
        model = TaxonomyVersion
        fields = ["origin", "number_min", "number_max"]
