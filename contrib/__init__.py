"""The platform around the taxonomy core: settings, URLs, the Celery app and the contrib apps."""

from contrib.celery import app as celery_app

__all__ = ("celery_app",)
