"""A real ``manage.py qcluster`` process on the test database, for end-to-end engine tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class QCluster:
    """Starts a cluster in its own process group, so ``kill`` takes its workers down with it."""

    def __init__(self, **env: str):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "SECRET_KEY": settings.SECRET_KEY,  # django-q2 signs queued tasks with it
            "DATABASE_URL": database_url(),
            "OPSGATE_DATA_DIR": tempfile.mkdtemp(prefix="opsgate-e2e-"),
            "OPSGATE_WORKERS": "1",
            **env,
        }
        self.env.pop("REDIS_URL", None)  # the ORM broker: the queue lives in the test database
        self.log = Path(self.env["OPSGATE_DATA_DIR"]) / "qcluster.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> QCluster:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def kill(self) -> None:
        """SIGKILL to the whole group: a worker dying mid-task, no clean shutdown."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_for(check, *, timeout: float, what: str, cluster: QCluster | None = None):
    """Polls ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    log = f"\n--- qcluster log ---\n{cluster.output()}" if cluster else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{log}")
