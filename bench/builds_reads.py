"""Build-run read latency with 10,000 build runs of 20 phases in the tenant (gunicorn + PostgreSQL
on this machine).

    .venv/bin/python bench/builds_reads.py [--database-url postgres://postgres@127.0.0.1:5432/opsgate_bench_builds]
                                           [--runs 10000] [--phases 20] [-n 300] [--quick]

Creates (and drops first) the database named in the URL, migrates it, creates an API key, writes
--runs build runs of --phases phases each straight to the rows (bulk_create: runs, build runs, two
tiers, a step and a phase per phase), starts gunicorn on 127.0.0.1 and prints p50/p99 over -n
sequential requests (one client: server time plus loopback) of:
  GET /runs (first page, a full page of 100, the last page), GET /runs/{id}/progress, and
  GET /dashboard/runs/{id}/status;
  the floor, measured in the same run: a bare ``SELECT 1`` round trip (psycopg) and GET /health
  through the same stack, with each p50 and p99 as a multiple of /health's.
Targets: p99 < 50 ms for GET /runs and GET /runs/{id}/progress (PASS/MISS).
--quick (200 runs, 50 requests) checks the script end to end in seconds. Not a test: it prints
numbers. Only ever point it at a database on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from journal import bench_env, fresh_database, latencies, manage, start_server, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0
BATCH = 5_000


def phase_state(done: int, index: int) -> str:
    """The first ``done`` phases COMPLETE, the next EXECUTING, the rest QUEUED."""
    if index < done:
        return "COMPLETE"
    return "EXECUTING" if index == done else "QUEUED"


def seed(*, runs: int, phases: int) -> None:
    """Runs inside the bench's environment (``--seed``): the rows, written with bulk_create."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from builds.models import BuildRun, Phase, Tier
    from builds.states import STEP_STATE, BuildRunState
    from runs.journal.projection import initial_state
    from runs.models import Run, RunKind, Step
    from tenancy.models import Tenant

    tenant = Tenant.objects.get(slug="bench")
    now = timezone.now()
    for start in range(0, runs, BATCH):
        numbers = range(start, min(start + BATCH, runs))
        with transaction.atomic():
            run_rows = Run.objects.bulk_create(
                [
                    Run(
                        tenant=tenant,
                        run_id=f"build-{i:05d}",
                        kind=RunKind.BUILD,
                        journal_state=initial_state(),
                        started_at=now,
                    )
                    for i in numbers
                ]
            )
            done = {run.pk: (i * 7) % (phases + 1) for i, run in zip(numbers, run_rows, strict=True)}
            builds = BuildRun.objects.bulk_create(
                [
                    BuildRun(
                        run=run,
                        tenant=tenant,
                        started_at=now,
                        state=BuildRunState.DONE_SUCCESS
                        if done[run.pk] == phases
                        else BuildRunState.PHASE_EXECUTION,
                        tokens_used=done[run.pk] * 10_000,
                    )
                    for run in run_rows
                ]
            )
            tiers = Tier.objects.bulk_create(
                [
                    Tier(build=build, tier_id=f"T{t}", tier_index=t, name=f"Tier {t}")
                    for build in builds
                    for t in range(2)
                ]
            )
            tier_of = {(tier.build_id, tier.tier_index): tier for tier in tiers}

            steps = Step.objects.bulk_create(
                [
                    Step(
                        run=run,
                        index=p + 1,
                        node_id=f"P{p:02d}",
                        node_type="phase",
                        state=STEP_STATE[phase_state(done[run.pk], p)],
                    )
                    for run in run_rows
                    for p in range(phases)
                ],
                batch_size=BATCH,
            )
            Phase.objects.bulk_create(
                [
                    Phase(
                        step=step,
                        build_id=step.run_id,
                        tier=tier_of[(step.run_id, 0 if step.index <= phases // 2 else 1)],
                        phase_id=step.node_id,
                        phase_index=step.index - 1,
                        name=f"Phase {step.node_id}",
                        state=phase_state(done[step.run_id], step.index - 1),
                        tokens_used=1_000,
                        builder_attempts=1,
                    )
                    for step in steps
                ],
                batch_size=BATCH,
            )
    print(f"seeded {runs} build runs x {phases} phases", flush=True)


def select_one(url: str, n: int) -> tuple[float, float]:
    samples = []
    with psycopg.connect(url) as conn:
        for _ in range(20):
            conn.execute("SELECT 1").fetchone()
        for _ in range(n):
            started = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.99) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/opsgate_bench_builds")
    parser.add_argument("--port", type=int, default=8879)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--phases", type=int, default=20)
    parser.add_argument("-n", type=int, default=300, help="requests per measurement")
    parser.add_argument("--quick", action="store_true", help="200 runs, 50 requests: a smoke run")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.runs, args.n = 200, 50
    if args.seed:
        seed(runs=args.runs, phases=args.phases)
        return
    host = urlparse(args.database_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("Refusing: the benchmark only runs against a database on this machine.")

    fresh_database(args.database_url)
    env = bench_env(args.database_url)
    manage(env, "migrate", "-v0")
    key = manage(
        env, "create_api_key", "--tenant", "bench", "--user", "bench", "--role", "admin", "--create"
    ).split()[-1]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--seed", "--runs", str(args.runs), "--phases", str(args.phases)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    print(f"seeding took {time.perf_counter() - started:.1f} s")
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load

    headers = {"X-API-Key": key}
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(env, args.port, args.workers)
    try:
        wait_ready(base, headers)
        middle = f"build-{args.runs // 2:05d}"
        last_page = max(0, args.runs - 20)
        reads = [
            ("GET /runs", "/runs", True),
            ("GET /runs?limit=100", "/runs?limit=100", False),
            (f"GET /runs?offset={last_page}", f"/runs?offset={last_page}", False),
            ("GET /runs/{id}/progress", f"/runs/{middle}/progress", True),
            ("GET /dashboard/runs/{id}/status", f"/dashboard/runs/{middle}/status", False),
        ]
        floor_db = select_one(args.database_url, args.n)
        floor_http = latencies(base, headers, "/health", args.n)
        print(
            f"{args.runs} build runs x {args.phases} phases in the tenant; gunicorn {args.workers} sync "
            f"workers; {os.cpu_count()} cores; {args.n} sequential requests each"
        )
        print(f"{'read':34s} {'p50 ms':>8s} {'p99 ms':>8s} {'p50 / floor':>12s} {'p99 / floor':>12s}")
        print(f"{'floor: SELECT 1 (psycopg)':34s} {floor_db[0]:8.2f} {floor_db[1]:8.2f}")
        print(f"{'floor: GET /health':34s} {floor_http[0]:8.2f} {floor_http[1]:8.2f} {1:11.1f}x {1:11.1f}x")
        results = []
        for label, path, targeted in reads:
            p50, p99 = latencies(base, headers, path, args.n)
            results.append((label, p99, targeted))
            ratios = f"{p50 / floor_http[0]:11.1f}x {p99 / floor_http[1]:11.1f}x"
            print(f"{label:34s} {p50:8.2f} {p99:8.2f} {ratios}")
        print("\nTargets")
        for label, p99, targeted in results:
            if targeted:
                verdict = "PASS" if p99 < TARGET_MS else "MISS"
                print(f"    {verdict}  {label} p99 < {TARGET_MS:.0f} ms: {p99:.2f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
