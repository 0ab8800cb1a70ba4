"""A small HTTP load generator, run in its own process by bench_survey.py.

    python bench/load.py SPEC.json PORT CONCURRENCY MAX_SECONDS [RATE]

SPEC.json is a list of [method, path, json_body_or_null]; each entry is sent once, by
CONCURRENCY clients in parallel (each client sends its next request as soon as the last
answer arrives), to 127.0.0.1 only, stopping early after MAX_SECONDS. With RATE (requests per second, all clients together),
each client paces itself to its share of RATE instead: an open load, to read latency at a
given traffic rather than at saturation. One connection per
request, as gunicorn's sync workers close it anyway. Prints one JSON object: count,
seconds, statuses, and latency percentiles in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections import Counter


async def send(port: int, method: str, path: str, body) -> int:
    payload = json.dumps(body).encode() if body is not None else b""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # the rest of the answer, until the server closes
    writer.close()
    return int(status_line.split()[1])


async def run(spec: list, port: int, concurrency: int, max_seconds: float, rate: float) -> dict:
    queue = list(reversed(spec))
    latencies: list[float] = []
    statuses: Counter = Counter()
    deadline = time.perf_counter() + max_seconds

    interval = concurrency / rate if rate else 0.0

    async def client(number: int):
        next_start = time.perf_counter() + interval * number / concurrency
        while queue and time.perf_counter() < deadline:
            if interval:
                await asyncio.sleep(max(0.0, next_start - time.perf_counter()))
                next_start += interval
                if not queue:  # another client took the last one while this one slept
                    break
            method, path, body = queue.pop()
            started = time.perf_counter()
            try:
                status = await send(port, method, path, body)
            except OSError as exc:
                status = f"error {type(exc).__name__}"
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[str(status)] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    seconds = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    return {
        "count": len(latencies),
        "seconds": seconds,
        "throughput": len(latencies) / seconds,
        "statuses": dict(statuses),
        "p50": percentile(50),
        "p95": percentile(95),
        "p99": percentile(99),
        "mean": statistics.fmean(latencies),
    }


def main():
    spec_file, port, concurrency, max_seconds = sys.argv[1:5]
    rate = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    with open(spec_file) as handle:
        spec = json.load(handle)
    result = asyncio.run(run(spec, int(port), int(concurrency), float(max_seconds), rate))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
