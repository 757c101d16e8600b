"""Journal throughput and latency through the real stack (gunicorn + PostgreSQL on this machine).

    .venv/bin/python bench/journal.py [--database-url postgres://postgres@127.0.0.1:5432/opsgate_bench]
                                      [--seconds 8] [--workers 4] [--big 100000]

Creates (and drops first) the database named in the URL, migrates it, creates an API key, starts
gunicorn on 127.0.0.1, and prints:
  (a) events/s for POST /v1/events with 1, 4 and 16 clients, and for 100-event POST /v1/events/batch;
  (b) p50/p99 of GET /v1/runs/{id}/status for runs of 10, 1,000 and --big events;
  (c) p50/p99 of GET /v1/approvals/pending with 10,000 runs in the tenant (1% of them paused);
  (d) the floor: the same row inserted with raw psycopg (one commit per row; 100-row batches), and
      our rates as a ratio of it.
Not a test: it prints numbers. Only ever point it at a database on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
_ids = itertools.count()


def event(run_id: str, **extra) -> dict:
    n = next(_ids)
    return {
        "id": f"e{n}",
        "run_id": run_id,
        "timestamp": "2026-02-14T13:00:00Z",
        "type": "action",
        "actor": "agent",
        "title": "Bench event",
        "details": f"Event number {n}",
        "approval": {"status": "not_required"},
        **extra,
    }


def fresh_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def bench_env(database_url: str) -> dict:
    """The server's environment: production settings on a throwaway database and data directory."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only",
        "DEBUG": "0",
        "OPSGATE_DATA_DIR": tempfile.mkdtemp(prefix="opsgate-bench-"),
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    command = [
        str(Path(PY).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_ready(base: str, headers: dict) -> None:
    for _ in range(100):
        try:
            if httpx.get(f"{base}/api/auth/me", headers=headers, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


async def _load(
    base: str, headers: dict, clients: int, seconds: float, make_request
) -> tuple[int, int, float]:
    """Runs ``clients`` keep-alive connections for ``seconds``; returns (requests, failures, elapsed)."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    done = failed = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def worker(index: int):
            nonlocal done, failed
            while time.perf_counter() < deadline:
                method, path, body = make_request(index)
                response = await client.request(method, path, json=body)
                done += 1
                failed += response.status_code >= 300

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        return done, failed, time.perf_counter() - started


def load(*args) -> tuple[int, int, float]:
    return asyncio.run(_load(*args))


def latencies(base: str, headers: dict, path: str, n: int = 300) -> tuple[float, float]:
    samples = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(20):
            client.get(path)
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text[:200]
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def post_batches(base: str, headers: dict, events: list[dict], size: int = 500, clients: int = 4) -> None:
    chunks = [events[i : i + size] for i in range(0, len(events), size)]

    def send(chunk):
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            response = client.post("/v1/events/batch", json=chunk)
            assert response.status_code == 201, response.text[:300]

    threads = []
    for i in range(0, len(chunks), clients):
        threads = [threading.Thread(target=send, args=(c,)) for c in chunks[i : i + clients]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


FLOOR_RUNS = (
    "import uuid; from runs.models import Run; from tenancy.models import Tenant; t = Tenant.objects.get(slug='bench'); "
    "print(' '.join(str(Run.objects.create(tenant=t, run_id=f'floor_{uuid.uuid4().hex}').pk) for _ in range({n})))"
)


def raw_floor(env: dict, url: str, clients: int, seconds: float, batch: int) -> float:
    """Rows/s for the journal's own insert, done with raw psycopg: one commit per ``batch`` rows.
    The runs it appends to are made by the ORM, so the floor keeps up with the table's columns."""
    run_ids = [
        int(pk)
        for pk in manage(env, "shell", "-v", "0", "-c", FLOOR_RUNS.replace("{n}", str(clients))).split()
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        tenant = conn.execute("SELECT id FROM tenancy_tenant WHERE slug = 'bench'").fetchone()[0]
    payload = json.dumps(event("floor"))
    counts = [0] * clients
    deadline = time.perf_counter() + seconds
    sql = (
        "INSERT INTO runs_runevent (tenant_id, run_id, event_id, seq, timestamp, type, actor, payload, "
        "integrity_warning, prev_hash, hash, appended_at) VALUES (%s, %s, %s, %s, now(), 'action', 'agent', %s, "
        "false, '', 'x', now())"
    )

    def worker(index: int):
        seq = 0
        with psycopg.connect(url) as conn:
            while time.perf_counter() < deadline:
                with conn.transaction(), conn.cursor() as cursor:
                    rows = []
                    for _ in range(batch):
                        seq += 1
                        rows.append((tenant, run_ids[index], f"f{seq}", seq, payload))
                    cursor.executemany(sql, rows)
                counts[index] += batch

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/opsgate_bench")
    parser.add_argument("--port", type=int, default=8877)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--big", type=int, default=100_000, help="events in the largest run")
    args = parser.parse_args()
    host = urlparse(args.database_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("Refusing: the benchmark only runs against a database on this machine.")

    fresh_database(args.database_url)
    env = bench_env(args.database_url)
    manage(env, "migrate", "-v0")
    key = manage(
        env, "create_api_key", "--tenant", "bench", "--user", "bench", "--role", "admin", "--create"
    ).split()[-1]
    headers = {"X-API-Key": key}
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(env, args.port, args.workers)
    try:
        wait_ready(base, headers)
        print(
            f"gunicorn: {args.workers} sync workers; {os.cpu_count()} cores; {args.seconds:.0f} s per load step"
        )
        floor_1 = raw_floor(env, args.database_url, 1, args.seconds, 1)
        floor_16 = raw_floor(env, args.database_url, 16, args.seconds, 1)
        floor_batch = raw_floor(env, args.database_url, 4, args.seconds, 100)
        print("\n(d) floor, raw psycopg insert into the journal table")
        print(f"    1 connection, commit per row:     {floor_1:8.0f} rows/s")
        print(f"    16 connections, commit per row:   {floor_16:8.0f} rows/s")
        print(f"    4 connections, 100-row batches:   {floor_batch:8.0f} rows/s")

        print("\n(a) POST /v1/events (a new run per client; every event chained and projected)")
        rates = {}
        for clients in (1, 4, 16):
            runs = [f"ingest_{clients}_{i}" for i in range(clients)]
            done, failed, elapsed = load(
                base,
                headers,
                clients,
                args.seconds,
                lambda i, runs=runs: ("POST", "/v1/events", event(runs[i])),
            )
            rates[clients] = done / elapsed
            print(f"    {clients:2d} clients: {rates[clients]:7.0f} events/s  ({failed} failed)")
        batch_runs = [f"batch_{i}" for i in range(4)]
        done, failed, elapsed = load(
            base,
            headers,
            4,
            args.seconds,
            lambda i: ("POST", "/v1/events/batch", [event(batch_runs[i]) for _ in range(100)]),
        )
        batch_rate = done * 100 / elapsed
        print(f"    100-event batches, 4 clients: {batch_rate:7.0f} events/s  ({failed} failed)")

        print("\n(b) GET /v1/runs/{id}/status by run length")
        status = {}
        for size in (10, 1_000, args.big):
            run_id = f"status_{size}"
            post_batches(base, headers, [event(run_id) for _ in range(size)])
            status[size] = latencies(base, headers, f"/v1/runs/{run_id}/status")
            print(f"    {size:7d} events: p50 {status[size][0]:6.2f} ms   p99 {status[size][1]:6.2f} ms")

        print("\n(c) GET /v1/approvals/pending with 10,000 runs in the tenant (100 paused)")
        fillers = [event(f"tenant_run_{i}") for i in range(10_000 - 100)]
        asks = [
            event(
                f"tenant_run_p{i}",
                type="approval_requested",
                requires_approval=True,
                approval={"status": "pending", "requested_by": "agent"},
            )
            for i in range(100)
        ]
        post_batches(base, headers, fillers + asks)
        pending = latencies(base, headers, "/v1/approvals/pending")
        print(f"    p50 {pending[0]:6.2f} ms   p99 {pending[1]:6.2f} ms")

        print("\nTargets")
        checks = [
            ("ingest at 16 clients >= 20% of the 16-connection floor", rates[16] / floor_16, 0.20),
            ("100-event batches >= 25% of the 100-row batch floor", batch_rate / floor_batch, 0.25),
            (
                f"status p99 at {args.big} events <= 1.5x at 10 events",
                status[10][1] * 1.5 / status[args.big][1],
                1.0,
            ),
            ("pending p99 < 50 ms", 50 / pending[1], 1.0),
        ]
        for label, value, target in checks:
            shown = f"{value:.0%}" if target < 1 else f"{'met' if value >= target else 'missed'}"
            print(f"    {'PASS' if value >= target else 'MISS'}  {label}: {shown}")
        print(f"    ingest at 1 client = {rates[1] / floor_1:.0%} of the 1-connection floor")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
