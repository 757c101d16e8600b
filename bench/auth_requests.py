"""Authenticated requests per second against a running Opsgate (not a test; prints numbers).

    python bench/auth_requests.py --url http://127.0.0.1:8000/api/auth/me --key ogk_... [-n 2000] [-c 8]

Each request goes through the whole API-key path: lookup, hash check, the conditional usage UPDATE,
membership and scope resolution. Only point it at a server on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("-n", type=int, default=2000, help="requests in all")
    parser.add_argument("-c", type=int, default=8, help="concurrent clients")
    args = parser.parse_args()

    local = threading.local()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(_):
        nonlocal errors
        if not hasattr(local, "client"):
            local.client = httpx.Client(headers={"X-API-Key": args.key}, timeout=10)
        started = time.perf_counter()
        status = local.client.get(args.url).status_code
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            errors += status != 200

    for _ in range(min(50, args.n)):  # warm up connections and caches
        one(None)
    latencies.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(args.c) as pool:
        list(pool.map(one, range(args.n)))
    wall = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"requests={args.n} concurrency={args.c} non_200={errors}")
    print(f"throughput={args.n / wall:.0f} req/s")
    print(f"latency p50={statistics.median(latencies) * 1000:.1f} ms p99={p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
