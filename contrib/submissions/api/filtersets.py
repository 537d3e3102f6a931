"""Filters of the submissions API's list endpoint."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from contrib.submissions.choices import Action, Status
from contrib.submissions.models import Submission


class SubmissionFilterSet(django_filters.FilterSet):
    """``?status=open``, ``?area=knowledge/science`` (a path prefix), ``?author=alice``, ``?action=add``."""

    status = django_filters.ChoiceFilter(choices=Status.choices)
    action = django_filters.ChoiceFilter(choices=Action.choices)
    area = django_filters.CharFilter(method="filter_area", label="Taxonomy path prefix, e.g. knowledge/science")
    author = django_filters.CharFilter(field_name="author__username", label="The author's username")

    class Meta:
        model = Submission
        fields = ["status", "action", "area", "author"]

    def filter_area(self, queryset: QuerySet[Submission], name: str, value: str) -> QuerySet[Submission]:
        prefix = value.strip().strip("/")
        if not prefix:
            return queryset
        return queryset.filter(Q(path=prefix) | Q(path__startswith=f"{prefix}/"))
