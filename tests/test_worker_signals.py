"""A real ``manage.py qcluster`` stops on SIGTERM or SIGINT within its grace time, idle or busy.

django-q2's own command hung for ever after "stopping" when SIGTERM reached the whole process group
(systemd, ``kill 0``): its sentinel died asleep on the stop event and ``stop_event.set()`` waited for it.
On PostgreSQL the worker uses the test database; on SQLite a database file of its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.runs.engine.cluster import ROOT, database_url

ON_POSTGRESQL = connection.vendor == "postgresql"
if ON_POSTGRESQL:
    pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

IDLE_GRACE = 8
BUSY_GRACE = 3
MARGIN = 4  # the sentinel reaping its killed workers, and this test's polling


def worker_env(**values: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": settings.SECRET_KEY,
        "OPSGATE_WORKERS": "1",
        **values,
    }
    env.pop("REDIS_URL", None)  # the ORM broker: the queue lives in the worker's database
    return env


def manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603 - our manage.py


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory) -> Path | None:
    """One migrated SQLite database, copied for each worker (PostgreSQL: the test database)."""
    if ON_POSTGRESQL:
        return None
    folder = tmp_path_factory.mktemp("worker-template")
    manage(
        worker_env(DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}", OPSGATE_DATA_DIR=str(folder)),
        "migrate",
        "--noinput",
        "-v0",
    )
    return folder / "db.sqlite3"


class Worker:
    """``manage.py qcluster`` in a session of its own, so its whole process group can be signalled."""

    def __init__(self, tmp_path: Path, *, grace: int, sqlite_template: Path | None = None):
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        if sqlite_template:
            shutil.copy(sqlite_template, tmp_path / "worker.sqlite3")
        self.env = worker_env(
            DATABASE_URL=database_url() if ON_POSTGRESQL else f"sqlite:///{tmp_path / 'worker.sqlite3'}",
            OPSGATE_DATA_DIR=str(data_dir),
            OPSGATE_WORKER_GRACE_SECONDS=str(grace),
        )
        self.log = data_dir / "qcluster.log"
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        manage(self.env, *args)

    def enqueue_sleep(self, seconds: int) -> None:
        code = f"from django_q.tasks import async_task; async_task('time.sleep', {seconds})"
        self.manage("shell", "-c", code)

    def start(self) -> Worker:
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

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, f"qcluster exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} in the log:\n{self.output()}"
            time.sleep(0.1)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def seconds_to_exit(self, limit: float) -> float:
        """How long the process took to exit after now; fails (and cleans up) past ``limit``."""
        started = time.monotonic()
        try:
            self.process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"qcluster still running {limit}s after the signal:\n{self.output()[-3000:]}")
        return time.monotonic() - started

    def no_process_left(self) -> bool:
        deadline = time.monotonic() + 2  # killed workers are reaped by their parent, or by init
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.group_alive()

    def kill(self) -> None:
        if self.group_alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def new_worker(tmp_path, sqlite_template):
    """Makes the test's worker; kills whatever is left of it afterwards."""
    made: list[Worker] = []

    def make(*, grace: int) -> Worker:
        made.append(Worker(tmp_path, grace=grace, sqlite_template=sqlite_template))
        return made[-1]

    yield make
    for worker in made:
        if worker.process and worker.group_alive():
            worker.kill()


def busy_worker(new_worker, *, grace: int) -> Worker:
    """A worker in the middle of a two-minute task."""
    worker = new_worker(grace=grace)
    worker.enqueue_sleep(120)
    worker.start().wait_for_log("processing")
    return worker


def test_sigterm_to_the_process_group_stops_an_idle_cluster_within_its_grace_time(new_worker):
    worker = new_worker(grace=IDLE_GRACE).start()
    worker.wait_for_log("running.")
    time.sleep(1)  # the sentinel asleep on its stop event, where django-q2's stop used to hang

    os.killpg(worker.process.pid, signal.SIGTERM)

    assert worker.seconds_to_exit(IDLE_GRACE) < IDLE_GRACE
    assert worker.process.returncode == 0
    assert worker.no_process_left()
    log = worker.output()
    assert "stopping" in log and "has stopped." in log
    assert "killing" not in log  # idle: every process stopped by itself


def test_ctrl_c_in_a_terminal_stops_the_cluster(new_worker):
    worker = new_worker(grace=IDLE_GRACE).start()
    worker.wait_for_log("running.")

    os.killpg(worker.process.pid, signal.SIGINT)  # what the terminal sends to the foreground group

    assert worker.seconds_to_exit(IDLE_GRACE) < IDLE_GRACE
    assert worker.process.returncode == 0
    assert worker.no_process_left()


@pytest.mark.parametrize("to_the_group", [False, True], ids=["to-the-main-process", "to-the-group"])
def test_a_task_that_outlives_the_grace_time_is_killed_and_the_cluster_exits(new_worker, to_the_group):
    worker = busy_worker(new_worker, grace=BUSY_GRACE)

    if to_the_group:
        os.killpg(worker.process.pid, signal.SIGTERM)
    else:
        os.kill(worker.process.pid, signal.SIGTERM)

    elapsed = worker.seconds_to_exit(BUSY_GRACE + MARGIN)
    assert BUSY_GRACE <= elapsed < BUSY_GRACE + MARGIN  # the task had its grace time, not its 120 s
    assert worker.process.returncode == 0
    assert worker.no_process_left()  # the sleeping worker did not outlive the cluster
    assert "still busy after 3 s, killing" in worker.output()


def test_the_same_signal_twice_kills_a_busy_cluster_at_once(new_worker):
    worker = busy_worker(new_worker, grace=60)

    os.kill(worker.process.pid, signal.SIGINT)
    worker.wait_for_log("stopping")
    os.kill(worker.process.pid, signal.SIGINT)  # Ctrl-C again

    assert worker.seconds_to_exit(MARGIN) < MARGIN
    assert worker.no_process_left()
    assert "a second signal, killing" in worker.output()


def test_sigterm_after_sigint_keeps_the_grace_time(new_worker):
    """``make run`` passes the terminal's Ctrl-C on as SIGTERM: that is not a second Ctrl-C."""
    worker = busy_worker(new_worker, grace=BUSY_GRACE)

    os.kill(worker.process.pid, signal.SIGINT)
    worker.wait_for_log("stopping")
    os.kill(worker.process.pid, signal.SIGTERM)

    assert worker.seconds_to_exit(BUSY_GRACE + MARGIN) >= BUSY_GRACE - 1
    assert "still busy after 3 s, killing" in worker.output()
