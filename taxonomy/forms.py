"""Forms that parse the query strings of the taxonomy's HTML pages."""

from __future__ import annotations

from django import forms


class TreeQueryForm(forms.Form):
    """``?version=N&q=words``: which version to show, and an optional search."""

    version = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "The version must be a whole number, such as ?version=3."},
    )
    q = forms.CharField(required=False, max_length=200, strip=True)


class LeafQueryForm(forms.Form):
    """``?version=N``: which version of a leaf to show."""

    version = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "The version must be a whole number, such as ?version=3."},
    )
