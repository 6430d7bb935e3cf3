"""Benchmark of the landing-zone simulation: time of ``tiny`` against ``small``.

A script, not a test (pytest does not collect ``bench_*.py``)::

    uv run python tests/sandbox/benchmarks/bench_simulation.py [--repeat 3] [--scales tiny small]

For each scale it simulates the world into an in-memory DuckDB ``--repeat`` times,
and prints the best time, the rows written, the throughput, and the ratios of time
and rows to the first scale (a ratio of time well below the ratio of rows means
fixed costs dominate the smaller scale).
"""

from __future__ import annotations

import argparse
import time

import duckdb

from sandbox.simulation import SCALES, simulate


def measure(scale: str, repeat: int, seed: int) -> tuple[float, int]:
    """Best wall-clock time over ``repeat`` runs, and the rows written."""
    best = float("inf")
    rows = 0
    for _ in range(repeat):
        with duckdb.connect() as connection:
            started = time.perf_counter()
            report = simulate(connection, scale, seed=seed)
            best = min(best, time.perf_counter() - started)
            rows = report.total_rows
    return best, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["tiny", "small"], choices=list(SCALES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args()

    results = [(name, *measure(name, args.repeat, args.seed)) for name in args.scales]
    base_name, base_time, base_rows = results[0]
    print(f"{'scale':<8}{'seconds':>10}{'rows':>14}{'rows/s':>14}{'x time':>9}{'x rows':>9}")
    for name, seconds, rows in results:
        print(
            f"{name:<8}{seconds:>10.2f}{rows:>14,}{rows / seconds:>14,.0f}"
            f"{seconds / base_time:>9.1f}{rows / base_rows:>9.1f}"
        )
    print(f"(best of {args.repeat}; ratios against {base_name})")


if __name__ == "__main__":
    main()
