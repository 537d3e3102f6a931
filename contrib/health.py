"""The /healthz endpoint: is the database reachable, the broker reachable, a worker alive?"""

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

from contrib.celery import HEARTBEAT_KEY, app


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "down"; report it, don't 500
        return {"ok": False, "error": str(exc)[:300]}


def _check_broker() -> dict[str, Any]:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return {"ok": True, "transport": conn.transport_cls}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:300]}


def _check_worker() -> dict[str, Any]:
    try:
        beats: dict[str, float] = cache.get(HEARTBEAT_KEY) or {}
    except Exception as exc:
        return {"ok": False, "error": f"cache unreachable: {str(exc)[:200]}"}
    now = time.time()
    max_age = settings.SEEDBED_WORKER_HEARTBEAT_MAX_AGE
    alive = {host: round(now - ts, 1) for host, ts in beats.items() if now - ts <= max_age}
    if not alive:
        return {"ok": False, "error": f"no worker heartbeat in the last {max_age}s: start one with `celery -A contrib worker`."}
    return {"ok": True, "workers": alive}


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker(), "worker": _check_worker()}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", "checks": checks}, status=200 if ok else 503)
