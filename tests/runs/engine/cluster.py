"""A real ``manage.py qcluster`` process, for end-to-end engine tests and the worker's own tests.

By default it works on the test database (PostgreSQL); ``DATABASE_URL`` and ``OPSGATE_DATA_DIR``
may be given like any other environment variable (a SQLite file of its own, say).
"""

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
    """Starts a cluster in its own process group, so a signal or ``kill`` reaches its workers too."""

    def __init__(self, **env: str):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "SECRET_KEY": settings.SECRET_KEY,  # django-q2 signs queued tasks with it
            "OPSGATE_WORKERS": "1",
            **env,
        }
        if "DATABASE_URL" not in env:  # the test database, not the one the test run was pointed at
            self.env["DATABASE_URL"] = database_url()
        if "OPSGATE_DATA_DIR" not in env:
            self.env["OPSGATE_DATA_DIR"] = tempfile.mkdtemp(prefix="opsgate-e2e-")
        self.env.pop("REDIS_URL", None)  # the ORM broker: the queue lives in the cluster's database
        self.log = Path(self.env["OPSGATE_DATA_DIR"]) / "qcluster.log"
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        """Another ``manage.py`` command with the cluster's environment (a migration, a task to queue)."""
        command = [sys.executable, "manage.py", *args]
        subprocess.run(command, cwd=ROOT, env=self.env, check=True, capture_output=True)  # noqa: S603

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

    def group_alive(self) -> bool:
        """Whether any process of the cluster's group is left (workers can outlive the main one)."""
        if self.process is None:
            return False
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL to the whole group: a worker dying mid-task, no clean shutdown."""
        if self.process is None:
            return
        if self.group_alive():
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
        return self.log.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        """Until ``text`` is in the log; fails if the cluster exits first."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, f"qcluster exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} in the log:\n{self.output()}"
            time.sleep(0.1)

    def no_process_left(self, timeout: float = 2) -> bool:
        deadline = time.monotonic() + timeout  # killed workers are reaped by their parent, or by init
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.group_alive()


def wait_for(check, *, timeout: float, what: str, cluster: QCluster | None = None):
    """Polls ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    log = f"\n--- qcluster log ---\n{cluster.output()[-4000:]}" if cluster else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{log}")
