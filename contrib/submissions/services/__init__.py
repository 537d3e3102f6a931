"""Writes of submissions, one service a verb: create, open, revise, document, review, comment, merge, withdraw."""

from contrib.submissions.notifications import notification_mark_read
from contrib.submissions.services.merge import submission_merge
from contrib.submissions.services.reviews import comment_add, review_submit
from contrib.submissions.services.submissions import (
    document_add,
    revision_create,
    submission_create,
    submission_open,
    submission_withdraw,
)

__all__ = [
    "comment_add",
    "document_add",
    "notification_mark_read",
    "review_submit",
    "revision_create",
    "submission_create",
    "submission_merge",
    "submission_open",
    "submission_withdraw",
]
