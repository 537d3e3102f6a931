"""Enumerations of generation: run and leaf-job states, scopes, pipeline stages and filter reasons."""

from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


#: States a run never leaves.
RUN_FINISHED = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})


class RunScope(models.TextChoices):
    TAXONOMY = "taxonomy", "Taxonomy version"
    PREVIEW = "preview", "Submission revision preview"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    REUSED = "reused", "Reused from an earlier run"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


#: States a leaf job never leaves.
JOB_FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.REUSED, JobStatus.FAILED, JobStatus.CANCELLED})


class Stage(models.TextChoices):
    """The teacher requests of the pipelines; each request's system prompt names its stage."""

    GENERATE_QUESTIONS = "generate_questions", "Generate questions"
    JUDGE_QUESTION = "judge_question", "Judge a question"
    GENERATE_ANSWER = "generate_answer", "Generate an answer"
    JUDGE_ANSWER = "judge_answer", "Judge a question-answer pair"
    GENERATE_CONTEXTS = "generate_contexts", "Generate contexts"
    GENERATE_GROUNDED_QUESTIONS = "generate_grounded_questions", "Generate questions grounded in a context"
    GENERATE_KNOWLEDGE_QA = "generate_knowledge_qa", "Generate question-answer pairs from a document chunk"
    JUDGE_KNOWLEDGE = "judge_knowledge", "Judge a knowledge pair"


class FilterReason(models.TextChoices):
    """Why a sample was not kept."""

    QUESTION_REJECTED = "question_rejected", "The question judge failed it"
    ANSWER_REJECTED = "answer_rejected", "The answer judge failed it"
    KNOWLEDGE_REJECTED = "knowledge_rejected", "The knowledge judge failed it"
    MALFORMED_OUTPUT = "malformed_output", "The teacher's output was not the JSON asked for"
    DUPLICATE = "duplicate", "An exact duplicate of another sample of the leaf"
