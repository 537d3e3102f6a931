"""HTML pages of submissions, one module per page: the form, a submission, and the dashboards."""

from contrib.submissions.views.compose import revise, submit, submit_paths, submit_upload, submit_validate
from contrib.submissions.views.dashboards import mine, notifications, queue
from contrib.submissions.views.detail import comment, detail, merge, open_draft, review, withdraw

__all__ = [
    "comment",
    "detail",
    "merge",
    "mine",
    "notifications",
    "open_draft",
    "queue",
    "review",
    "revise",
    "submit",
    "submit_paths",
    "submit_upload",
    "submit_validate",
    "withdraw",
]
