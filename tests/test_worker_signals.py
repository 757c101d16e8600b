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
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.runs.engine.cluster import QCluster

ON_POSTGRESQL = connection.vendor == "postgresql"
if ON_POSTGRESQL:
    pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

IDLE_GRACE = 8
BUSY_GRACE = 3
MARGIN = 4  # the sentinel reaping its killed workers, and this test's polling


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory) -> Path | None:
    """One migrated SQLite database, copied for each worker (PostgreSQL: the test database)."""
    if ON_POSTGRESQL:
        return None
    folder = tmp_path_factory.mktemp("worker-template")
    database = folder / "db.sqlite3"
    QCluster(DATABASE_URL=f"sqlite:///{database}", OPSGATE_DATA_DIR=str(folder)).manage(
        "migrate", "--noinput", "-v0"
    )
    return database


def seconds_to_exit(worker: QCluster, limit: float) -> float:
    """How long the cluster took to exit after now; fails (and cleans up) past ``limit``."""
    started = time.monotonic()
    try:
        worker.process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        worker.kill()
        pytest.fail(f"qcluster still running {limit}s after the signal:\n{worker.output()[-3000:]}")
    return time.monotonic() - started


@pytest.fixture
def new_worker(tmp_path, sqlite_template):
    """Makes the test's cluster (its own data directory, and database on SQLite); kills whatever is
    left of it afterwards."""
    made: list[QCluster] = []

    def make(*, grace: int) -> QCluster:
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        env = {"OPSGATE_DATA_DIR": str(data_dir), "OPSGATE_WORKER_GRACE_SECONDS": str(grace)}
        if sqlite_template:
            shutil.copy(sqlite_template, tmp_path / "worker.sqlite3")
            env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        made.append(QCluster(**env))
        return made[-1]

    yield make
    for worker in made:
        if worker.group_alive():
            worker.kill()


def busy_worker(new_worker, *, grace: int) -> QCluster:
    """A cluster in the middle of a two-minute task."""
    worker = new_worker(grace=grace)
    worker.manage("shell", "-c", "from django_q.tasks import async_task; async_task('time.sleep', 120)")
    worker.start().wait_for_log("processing")
    return worker


def test_sigterm_to_the_process_group_stops_an_idle_cluster_within_its_grace_time(new_worker):
    worker = new_worker(grace=IDLE_GRACE).start()
    worker.wait_for_log("running.")
    time.sleep(1)  # the sentinel asleep on its stop event, where django-q2's stop used to hang

    os.killpg(worker.process.pid, signal.SIGTERM)

    assert seconds_to_exit(worker, IDLE_GRACE) < IDLE_GRACE
    assert worker.process.returncode == 0
    assert worker.no_process_left()
    log = worker.output()
    assert "stopping" in log and "has stopped." in log
    assert "killing" not in log  # idle: every process stopped by itself


def test_ctrl_c_in_a_terminal_stops_the_cluster(new_worker):
    worker = new_worker(grace=IDLE_GRACE).start()
    worker.wait_for_log("running.")

    os.killpg(worker.process.pid, signal.SIGINT)  # what the terminal sends to the foreground group

    assert seconds_to_exit(worker, IDLE_GRACE) < IDLE_GRACE
    assert worker.process.returncode == 0
    assert worker.no_process_left()


@pytest.mark.parametrize("to_the_group", [False, True], ids=["to-the-main-process", "to-the-group"])
def test_a_task_that_outlives_the_grace_time_is_killed_and_the_cluster_exits(new_worker, to_the_group):
    worker = busy_worker(new_worker, grace=BUSY_GRACE)

    if to_the_group:
        os.killpg(worker.process.pid, signal.SIGTERM)
    else:
        os.kill(worker.process.pid, signal.SIGTERM)

    elapsed = seconds_to_exit(worker, BUSY_GRACE + MARGIN)
    assert BUSY_GRACE <= elapsed < BUSY_GRACE + MARGIN  # the task had its grace time, not its 120 s
    assert worker.process.returncode == 0
    assert worker.no_process_left()  # the sleeping worker did not outlive the cluster
    assert "still busy after 3 s, killing" in worker.output()


def test_the_same_signal_twice_kills_a_busy_cluster_at_once(new_worker):
    worker = busy_worker(new_worker, grace=60)

    os.kill(worker.process.pid, signal.SIGINT)
    worker.wait_for_log("stopping")
    os.kill(worker.process.pid, signal.SIGINT)  # Ctrl-C again

    assert seconds_to_exit(worker, MARGIN) < MARGIN
    assert worker.no_process_left()
    assert "a second signal, killing" in worker.output()


def test_sigterm_after_sigint_keeps_the_grace_time(new_worker):
    """``make run`` passes the terminal's Ctrl-C on as SIGTERM: that is not a second Ctrl-C."""
    worker = busy_worker(new_worker, grace=BUSY_GRACE)

    os.kill(worker.process.pid, signal.SIGINT)
    worker.wait_for_log("stopping")
    os.kill(worker.process.pid, signal.SIGTERM)

    assert seconds_to_exit(worker, BUSY_GRACE + MARGIN) >= BUSY_GRACE - 1
    assert "still busy after 3 s, killing" in worker.output()
