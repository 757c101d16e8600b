"""The django-q2 cluster, stopped so that SIGTERM always ends it within a grace time.

django-q2's own ``qcluster`` (1.11) stops from inside its signal handler: ``stop_event.set()`` takes
the event's multiprocessing locks and then waits for every process asleep on the event to wake. Its
sentinel keeps SIGTERM's default action and spends its life asleep on that event, so a SIGTERM sent to
the whole process group (systemd's default, ``kill 0``, a container runtime) kills the sentinel first
and ``set()`` waits forever for a sleeper that no longer exists: "stopping", then nothing until SIGKILL.
A long task blocks a single SIGTERM too, since nothing bounds how long the sentinel waits for workers.

Here the handler only records the signal. The sentinel and everything it forks ignore SIGTERM (and, as
in django-q2, SIGINT), so only this process decides how they stop: it sets the stop event from its
main loop, gives the workers ``OPSGATE_WORKER_GRACE_SECONDS`` to finish the task in hand, then kills
what is left. A task killed that way is delivered again by the broker after ``Q_CLUSTER["retry"]``, and
a run it was advancing resumes once its lease lapses.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
import uuid
from pathlib import Path

from django import db
from django_q.cluster import Sentinel
from django_q.humanhash import humanize

logger = logging.getLogger("django-q")

POLL_SECONDS = 0.1
SENTINEL_REAP_SECONDS = 3.0  # after its workers are killed, the sentinel finishes its own stop


class QuietSentinel(Sentinel):
    """django-q2's sentinel, deaf to SIGTERM: the cluster process stops it through the stop event."""

    def start(self) -> None:
        # Sentinel.__init__ has just reset SIGTERM to its default; the pool forked from here inherits this.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        super().start()


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``; nothing elsewhere)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[-1].split()  # after "pid (comm)": state, ppid, ...
        if len(fields) > 1 and fields[1] == str(pid):
            children.append(int(entry.name))
    return children


def kill_quietly(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # exited meanwhile
        os.kill(pid, signal.SIGKILL)


class GracefulCluster:
    """Runs one sentinel (and through it the workers, monitor and pusher) until SIGTERM or SIGINT."""

    def __init__(self, *, grace_seconds: float) -> None:
        self.grace_seconds = grace_seconds
        self.cluster_id = uuid.uuid4()
        self.signals: list[int] = []
        self.sentinel: multiprocessing.Process | None = None

    @property
    def name(self) -> str:
        return humanize(self.cluster_id.hex)

    def record_signal(self, signum: int, frame) -> None:
        """Signal handler: only remembers the signal (no lock may be taken in signal context)."""
        self.signals.append(signum)

    @property
    def signal_repeated(self) -> bool:
        """The same signal twice (Ctrl-C twice) means now. SIGTERM after SIGINT does not: a supervisor
        passing on the terminal's Ctrl-C (``make run``) must not cut the grace time short."""
        return len(self.signals) != len(set(self.signals))

    def run(self) -> int:
        """Blocks until the cluster has stopped; the exit status for the command."""
        signal.signal(signal.SIGTERM, self.record_signal)
        signal.signal(signal.SIGINT, self.record_signal)
        context = multiprocessing.get_context("fork")
        stop_event, start_event = context.Event(), context.Event()
        db.connections.close_all()  # never share a connection with the forked processes
        self.sentinel = context.Process(
            target=QuietSentinel,
            args=(stop_event, start_event, self.cluster_id, None, None),
            name=f"Process-{uuid.uuid4().hex}",
        )
        self.sentinel.start()
        logger.info("Q Cluster %s starting.", self.name)
        while not self.signals and self.sentinel.is_alive():
            time.sleep(POLL_SECONDS)
        if not self.signals:
            logger.error("Q Cluster %s: the sentinel exited with %s.", self.name, self.sentinel.exitcode)
            return self.sentinel.exitcode or 1
        return self.stop(stop_event)

    def stop(self, stop_event) -> int:
        logger.info("Q Cluster %s stopping (grace %s s).", self.name, self.grace_seconds)
        # From a thread: if the sentinel died asleep on the event, set() never returns, and must not
        # hold up the rest of the stop.
        threading.Thread(target=stop_event.set, name="stop-event", daemon=True).start()
        deadline = time.monotonic() + self.grace_seconds
        while self.sentinel.is_alive() and time.monotonic() < deadline and not self.signal_repeated:
            self.sentinel.join(POLL_SECONDS)
        if self.sentinel.is_alive():
            self.kill_the_rest()
        logger.info("Q Cluster %s has stopped.", self.name)
        return 0

    def kill_the_rest(self) -> None:
        """Past the grace time (or on a second signal): kill the pool, then the sentinel if need be."""
        survivors = child_pids(self.sentinel.pid)
        reason = "a second signal" if self.signal_repeated else f"still busy after {self.grace_seconds} s"
        logger.warning(
            "Q Cluster %s: %s, killing %d process(es); their tasks are retried.",
            self.name,
            reason,
            len(survivors),
        )
        for pid in survivors:
            kill_quietly(pid)
        self.sentinel.join(SENTINEL_REAP_SECONDS)  # it reaps its killed children and finishes stopping
        if self.sentinel.is_alive():
            kill_quietly(self.sentinel.pid)
            self.sentinel.join(SENTINEL_REAP_SECONDS)
