"""/healthz against the real database, Redis broker and a real worker process."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from contrib.celery import HEARTBEAT_KEY
from tests.conftest import wait_for


@pytest.mark.django_db
def test_healthz_reports_missing_worker_as_degraded() -> None:
    cache.delete(HEARTBEAT_KEY)
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_healthz_sees_the_heartbeat_of_a_real_worker(celery_worker_process: str) -> None:
    def healthy():  # type: ignore[no-untyped-def]
        response = Client().get("/healthz")
        return response.status_code == 200 and response.json()

    body = wait_for(healthy, timeout=20)
    assert body, "the worker's heartbeat never reached /healthz"
    assert any(host.startswith(celery_worker_process) for host in body["checks"]["worker"]["workers"])
