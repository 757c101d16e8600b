"""Engine throughput and per-run overhead through the real stack (qcluster + PostgreSQL + Redis).

    .venv/bin/python bench/engine.py [--database-url postgres://postgres@127.0.0.1:5432/opsgate_bench_engine]
                                     [--redis-url redis://127.0.0.1:6379/15] [--runs 200]

Creates (and drops first) the database named in the URL, migrates it, starts a local HTTP peer on
127.0.0.1, and for a 3-node http workflow (start -> http -> http -> http) prints:
  (a) runs completed per second with 1, 2 and 4 qcluster workers: ``--runs`` runs are queued while
      no worker runs, then a cluster starts; the rate is runs / (last finish - first start);
  (b) the per-run time inside the engine (finished_at - started_at, median and p90) against calling
      the same endpoint three times directly with httpx, and the difference: the engine's overhead.
Not a test: it prints numbers. Only ever point it at a database and Redis on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from journal import fresh_database, manage

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


class _Peer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


def graph(url: str) -> dict:
    def node(node_id, type_, config=None):
        return {"id": node_id, "type": type_, "position": {"x": 0, "y": 0}, "data": {"config": config or {}}}

    nodes = [node("start", "start")] + [
        node(f"call-{i}", "http", {"method": "POST", "url": url}) for i in (1, 2, 3)
    ]
    edges = [
        {"id": f"e{i}", "source": a["id"], "target": b["id"]}
        for i, (a, b) in enumerate(itertools.pairwise(nodes))
    ]
    return {"nodes": nodes, "edges": edges}


def django_env(database_url: str, redis_url: str, workers: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "bench-only",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "OPSGATE_DATA_DIR": tempfile.mkdtemp(prefix="opsgate-bench-"),
        "OPSGATE_EGRESS_ALLOW": "127.0.0.1",
        "OPSGATE_WORKERS": str(workers),
    }


def queue_runs(env: dict, url: str, count: int) -> None:
    """Queues ``count`` runs through the run start service (as POST /v1/runs does) in one process."""
    script = f"""
import django, json; django.setup()
from runs.services import run_start
from tenancy.models import Tenant
tenant = Tenant.objects.get(slug="bench")
graph = json.loads({json.dumps(graph(url))!r})
for i in range({count}):
    run_start(tenant=tenant, graph=graph, input={{"i": i}})
"""
    subprocess.run([PY, "-c", script], cwd=ROOT, env=env, check=True)


def run_figures(database_url: str) -> tuple[int, float, list[float]]:
    """(finished runs, seconds from first start to last finish, per-run engine times in ms)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT started_at, finished_at FROM runs_run WHERE state = 'succeeded' AND kind = 'workflow'"
        ).fetchall()
    if not rows:
        return 0, 0.0, []
    span = (max(r[1] for r in rows) - min(r[0] for r in rows)).total_seconds()
    return len(rows), span, [(f - s).total_seconds() * 1000 for s, f in rows]


def wait_all_done(database_url: str, count: int, timeout: float) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            (active,) = conn.execute(
                "SELECT count(*) FROM runs_run WHERE state IN ('queued', 'running', 'waiting')"
            ).fetchone()
            if active == 0:
                return
            time.sleep(0.2)
    raise SystemExit(f"runs still active after {timeout}s")


def direct_ms(url: str, samples: int = 50) -> list[float]:
    """Three calls to the endpoint through one kept-alive httpx client: the cheapest way to make them."""
    times = []
    with httpx.Client() as client:
        client.post(url, json={})
        for _ in range(samples):
            started = time.perf_counter()
            for _ in range(3):
                client.post(url, json={}).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/opsgate_bench_engine")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    peer = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    peer.daemon_threads = True
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{peer.server_address[1]}/hook"

    print(f"engine bench: {args.runs} runs of start -> http -> http -> http per worker count")
    results = {}
    for workers in (1, 2, 4):
        fresh_database(args.database_url)
        env = django_env(args.database_url, args.redis_url, workers)
        redis.Redis.from_url(args.redis_url).flushdb()  # the queue of an earlier, interrupted bench
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "create_api_key", "--tenant", "bench", "--user", "bench", "--role", "admin", "--create")
        queue_runs(env, url, args.runs)
        cluster = subprocess.Popen(
            [PY, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_all_done(args.database_url, args.runs, timeout=600)
        finally:
            os.killpg(cluster.pid, signal.SIGKILL)  # the runs are done; no need for a clean stop
            cluster.wait(timeout=30)
        done, span, per_run = run_figures(args.database_url)
        results[workers] = (done, span, per_run)
        per_run.sort()
        print(
            f"  {workers} worker(s): {done} runs in {span:.1f} s = {done / span:.1f} runs/s; "
            f"per run in the engine: median {statistics.median(per_run):.1f} ms, "
            f"p90 {per_run[int(len(per_run) * 0.9)]:.1f} ms"
        )
    direct = sorted(direct_ms(url))
    engine = sorted(results[1][2])
    print(
        f"  direct: three calls to the same endpoint take median {statistics.median(direct):.1f} ms; "
        f"engine overhead per run (1 worker, median): "
        f"{statistics.median(engine) - statistics.median(direct):.1f} ms"
    )
    peer.shutdown()


if __name__ == "__main__":
    main()
