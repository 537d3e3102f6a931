"""Who is asking, and which submission they may see: the lookups every submission page starts with."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest

from contrib.submissions import permissions, selectors
from contrib.submissions.models import Submission


def signed_in_user(request: HttpRequest) -> AbstractBaseUser:
    """The user of a ``login_required`` view."""
    user = request.user
    assert isinstance(user, AbstractBaseUser), "the view must be login_required"
    return user


def visible_submission(request: HttpRequest, pk: int) -> Submission:
    """The submission with its page's data, or 404 when it does not exist or is another user's draft."""
    try:
        submission = selectors.submission_detail(pk)
    except Submission.DoesNotExist:
        raise Http404("There is no such submission.") from None
    if not permissions.can_view(request.user, submission):
        raise Http404("There is no such submission.")
    return submission
