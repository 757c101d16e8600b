"""Portal page latency with 10,000 runs in the tenant (gunicorn + PostgreSQL on this machine).

    .venv/bin/python bench/portal_pages.py [--database-url postgres://postgres@127.0.0.1:5432/opsgate_bench_portal]
                                           [--runs 10000] [--pending 500] [-n 100]

Creates (and drops first) the database named in the URL, migrates it, posts --runs runs of one event
each and --pending approval requests through /v1/events/batch, signs in through the portal's login
form like a browser, and prints p50/p99 of each page over -n sequential requests (one client, so
these are server times plus loopback, not throughput). Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from journal import (
    bench_env,
    event,
    fresh_database,
    latencies,
    manage,
    post_batches,
    start_server,
    wait_ready,
)

PASSWORD = "bench-portal-password"  # noqa: S105 - a throwaway account in a throwaway database


def sign_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/portal/login")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/portal/login",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/portal/"},
    )
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: {response.status_code}")
    return client


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/opsgate_bench_portal")
    parser.add_argument("--port", type=int, default=8878)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--pending", type=int, default=500)
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args()
    fresh_database(args.database_url)
    env = {**bench_env(args.database_url), "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}
    manage(env, "migrate", "-v0")
    key = manage(
        env, "create_api_key", "--tenant", "bench", "--user", "bench", "--role", "admin", "--create"
    ).split()[-1]
    manage(
        env,
        "shell",
        "-c",
        f"from django.contrib.auth.models import User; u = User.objects.get(username='bench'); "
        f"u.set_password('{PASSWORD}'); u.save()",
    )
    headers = {"X-API-Key": key}
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(env, args.port, 2)
    try:
        wait_ready(base, headers)
        events = [event(f"run_{i:05d}") for i in range(args.runs)]
        events += [
            event(
                f"run_{i:05d}",
                id=f"ask_{i}",
                type="approval_requested",
                timestamp="2026-02-14T13:01:00Z",
                requires_approval=True,
                risk_level=("low", "medium", "high")[i % 3],
                approval={"status": "pending", "requested_by": "agent", "reason": "Bench approval"},
            )
            for i in range(args.pending)
        ]
        post_batches(base, headers, events)
        client = sign_in(base, "bench")
        cookies = dict(client.cookies)
        approval_page = re.search(r'href="(/portal/approvals/\d+)"', client.get("/portal/").text).group(1)
        pages = [
            ("inbox", "/portal/"),
            ("inbox poll partial", "/portal/inbox/items"),
            ("inbox, high risk only", "/portal/?risk=high"),
            ("approval page", approval_page),
            ("runs list", "/portal/runs"),
            ("runs, running, page 100", "/portal/runs?status=running&page=100"),
            ("runs, search by id", "/portal/runs?q=run_0999"),
            ("run page", "/portal/runs/run_00001"),
            ("rules", "/portal/rules"),
        ]
        print(
            f"{args.runs} runs, {args.pending} pending approvals; gunicorn 2 sync workers; {args.n} requests each"
        )
        print(f"{'page':28s} {'p50 ms':>8s} {'p99 ms':>8s}")
        for name, path in pages:
            p50, p99 = latencies(
                base, {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}, path, args.n
            )
            print(f"{name:28s} {p50:8.1f} {p99:8.1f}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
