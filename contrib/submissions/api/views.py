"""Views of the submissions API: thin wrappers that parse input, call one service and answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contrib.accounts.selectors import required_approvals_for
from contrib.submissions import permissions, selectors, services
from contrib.submissions.api import serializers as s
from contrib.submissions.api.errors import (
    CONFLICT,
    FIELD_ERRORS,
    FORBIDDEN,
    NOT_FOUND,
    UNAUTHENTICATED,
    api_exception_handler,
)
from contrib.submissions.api.filtersets import SubmissionFilterSet
from contrib.submissions.models import Check, Notification, Submission
from contrib.submissions.notifications import submission_url
from contrib.submissions.services.reviews import approvals_count

TAG = "submissions"
COMMON = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}


class SubmissionsAPIView(APIView):
    """Token first, so an anonymous request is answered 401 with a WWW-Authenticate challenge."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return api_exception_handler

    def submission(self, pk: int) -> Submission:
        """The submission, or 404 when it does not exist or is a draft the user may not see."""
        submission = Submission.objects.select_related("latest_revision").filter(pk=pk).first()
        if submission is None or not permissions.can_view(self.request.user, submission):
            raise NotFound(f"There is no submission #{pk} you can see.")
        return submission


def _checks(submission: Submission) -> list[Check]:
    return list(Check.objects.filter(revision_id=submission.latest_revision_id or 0).order_by("name"))


def _created(submission: Submission) -> dict[str, Any]:
    return {"id": submission.pk, "status": submission.status, "checks": _checks(submission), "url": submission_url(submission)}


class SubmissionListCreateView(SubmissionsAPIView, generics.ListAPIView[Submission]):
    """List the submissions you can see, or propose a change to the tree."""

    serializer_class = s.SubmissionListSerializer
    filterset_class = SubmissionFilterSet
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Submission]:
        return selectors.submissions_visible(self.request.user)

    @extend_schema(tags=[TAG], summary="List submissions", responses={200: s.SubmissionListSerializer(many=True), **COMMON})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Create a submission",
        description=(
            "Add, update or remove one leaf against the current taxonomy version. With `draft: true` the "
            "submission is saved even when invalid. Errors answer 400 with messages per field; qna.yaml errors "
            "are located by line, column and YAML path."
        ),
        request=s.SubmissionCreateSerializer,
        responses={201: s.SubmissionCreatedSerializer, 400: FIELD_ERRORS, **COMMON},
    )
    def post(self, request: Request) -> Response:
        data = s.SubmissionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.submission_create(author=request.user, **data.validated_data)
        return Response(s.SubmissionCreatedSerializer(_created(submission)).data, status=status.HTTP_201_CREATED)


class SubmissionDetailView(SubmissionsAPIView):
    @extend_schema(tags=[TAG], summary="Get a submission", responses={200: s.SubmissionDetailSerializer, **COMMON})
    def get(self, request: Request, pk: int) -> Response:
        self.submission(pk)
        submission = selectors.submission_detail(pk)
        user = request.user
        context = {
            "revision_numbers": {r.pk: r.number for r in submission.revisions.all()},
            "required_approvals": required_approvals_for(submission.path),
            "diff": selectors.submission_diff(submission),
            "permissions": {
                "revise": permissions.can_revise(user, submission),
                "review": permissions.can_review(user, submission),
                "comment": permissions.can_comment(user, submission),
                "merge": permissions.can_merge(user, submission),
                "withdraw": permissions.can_withdraw(user, submission),
                "open": permissions.can_open(user, submission),
            },
        }
        return Response(s.SubmissionDetailSerializer(submission, context=context).data)


class RevisionCreateView(SubmissionsAPIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=[TAG],
        summary="Push a new revision (author only)",
        description="Rebases the submission on the current tree, which is how a merge conflict is answered; "
        "earlier approvals are dismissed.",
        request=s.RevisionCreateSerializer,
        responses={201: s.RevisionCreatedSerializer, 400: FIELD_ERRORS, 409: CONFLICT, **COMMON},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = self.submission(pk)
        data = s.RevisionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revision = services.revision_create(submission=submission, actor=request.user, **data.validated_data)
        submission.refresh_from_db()
        body = {
            "number": revision.number, "sha256": revision.sha256, "base_version": revision.base_version_id,
            "status": submission.status, "checks": _checks(submission),
        }
        return Response(s.RevisionCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


class DocumentCreateView(SubmissionsAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=[TAG],
        summary="Upload a knowledge document (author only)",
        description="Markdown or plain text, UTF-8, within the size limit; stored content-addressed and attached "
        "to the latest revision. A document of the same name is replaced.",
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer, 400: FIELD_ERRORS, 409: CONFLICT, **COMMON},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = self.submission(pk)
        data = s.DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        limit = settings.SEEDBED_DOCUMENT_MAX_BYTES
        # Read one byte past the limit at most: the service names the limit without holding a huge file.
        content = upload.read(limit + 1)
        document = services.document_add(
            submission=submission, actor=request.user, name=upload.name or "",
            data=content, content_type=upload.content_type or "",
        )
        numbers = {document.revision_id: submission.latest_revision.number if submission.latest_revision else None}
        return Response(
            s.DocumentSerializer(document, context={"revision_numbers": numbers}).data, status=status.HTTP_201_CREATED
        )


class ReviewCreateView(SubmissionsAPIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=[TAG],
        summary="Review a submission",
        description="Approve, request changes or reject (reviewers of the area and maintainers, never on your own "
        "submission), or comment (anyone signed in). Comments anchor to a YAML path or a line of the latest revision.",
        request=s.ReviewCreateSerializer,
        responses={201: s.ReviewCreatedSerializer, 400: FIELD_ERRORS, 409: CONFLICT, **COMMON},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = self.submission(pk)
        data = s.ReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_submit(submission=submission, reviewer=request.user, **data.validated_data)
        submission.refresh_from_db()
        body = {
            "id": review.pk, "verdict": review.verdict, "status": submission.status,
            "approvals": approvals_count(submission), "required_approvals": required_approvals_for(submission.path),
            "comments": len(data.validated_data["comments"]),
        }
        return Response(s.ReviewCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


class CommentCreateView(SubmissionsAPIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=[TAG],
        summary="Comment on a submission",
        request=s.CommentCreateSerializer,
        responses={201: s.CommentSerializer, 400: FIELD_ERRORS, 409: CONFLICT, **COMMON},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = self.submission(pk)
        data = s.CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_add(submission=submission, author=request.user, **data.validated_data)
        numbers = {comment.revision_id: submission.latest_revision.number if submission.latest_revision else None}
        return Response(
            s.CommentSerializer(comment, context={"revision_numbers": numbers}).data, status=status.HTTP_201_CREATED
        )


class MergeView(SubmissionsAPIView):
    @extend_schema(
        tags=[TAG],
        summary="Merge an approved submission",
        description="Reviewers of the area and maintainers. Answers 400 when approvals are missing or checks fail "
        "or are pending, and 409 with what changed when the leaf changed since the submission's base version.",
        request=None,
        responses={200: s.MergedSerializer, 400: FIELD_ERRORS, 409: CONFLICT, **COMMON},
    )
    def post(self, request: Request, pk: int) -> Response:
        version = services.submission_merge(submission=self.submission(pk), actor=request.user)
        return Response(s.MergedSerializer({"taxonomy_version": version.number, "status": "merged"}).data)


class WithdrawView(SubmissionsAPIView):
    @extend_schema(
        tags=[TAG], summary="Withdraw a submission (author or maintainer)", request=None,
        responses={200: s.StatusSerializer, 409: CONFLICT, **COMMON},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = services.submission_withdraw(submission=self.submission(pk), actor=request.user)
        return Response(s.StatusSerializer({**_created(submission)}).data)


class OpenView(SubmissionsAPIView):
    @extend_schema(
        tags=[TAG], summary="Open a draft for review (author only)", request=None,
        responses={200: s.SubmissionCreatedSerializer, 400: FIELD_ERRORS, 409: CONFLICT, **COMMON},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = services.submission_open(submission=self.submission(pk), actor=request.user)
        return Response(s.SubmissionCreatedSerializer(_created(submission)).data)


@extend_schema(tags=["notifications"], summary="List your notifications, newest first", responses={200: s.NotificationSerializer(many=True), 401: UNAUTHENTICATED})
class NotificationListView(SubmissionsAPIView, generics.ListAPIView[Notification]):
    serializer_class = s.NotificationSerializer
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notifications_for(self.request.user)


class NotificationReadView(SubmissionsAPIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["notifications"], summary="Mark notifications read", request=s.NotificationReadSerializer,
        responses={200: s.MarkedSerializer, 400: FIELD_ERRORS, 401: UNAUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        data = s.NotificationReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notification_mark_read(user=request.user, ids=data.validated_data["ids"])
        return Response({"marked": marked})


