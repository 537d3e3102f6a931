"""The Celery application, and the worker heartbeat that /healthz reads."""

import os
import socket
import time
from pathlib import Path
from typing import Any

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contrib.settings")

app = Celery("seedbed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _prepare_filesystem_broker(sender: Celery, **kwargs: Any) -> None:
    """kombu's filesystem transport needs its folders to exist before anyone sends or polls."""
    if not str(sender.conf.broker_url or "").startswith("filesystem://"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)

HEARTBEAT_KEY = "seedbed:worker-heartbeat"


def write_heartbeat(hostname: str) -> None:
    """Record that a worker is alive, in the cache every process shares."""
    from django.core.cache import cache

    beats: dict[str, float] = cache.get(HEARTBEAT_KEY) or {}
    beats[hostname] = time.time()
    cache.set(HEARTBEAT_KEY, beats, timeout=None)


class HeartbeatStep(bootsteps.StartStopStep):
    """Writes the worker heartbeat on start and then on a timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.tref: Any = None

    def start(self, parent: Any) -> None:
        from django.conf import settings

        hostname = getattr(parent, "hostname", None) or socket.gethostname()
        write_heartbeat(hostname)
        self.tref = parent.timer.call_repeatedly(
            settings.SEEDBED_WORKER_HEARTBEAT_SECONDS, write_heartbeat, (hostname,), priority=10
        )

    def stop(self, parent: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()


app.steps["worker"].add(HeartbeatStep)
