"""One measured run of the benchmark, in a process of its own (so that its peak memory
is its own): ``python -m sandbox.bench.child floor|build --scale S --out FILE``.

Writes the figures of its steps as JSON to ``--out``; the parent measures the whole
process (:mod:`sandbox.bench.runner`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sandbox.bench.figures import LANDING, StepFigure
from sandbox.bench.memory import peak_rss, reset_peak


def build_steps(scale: str) -> dict[str, StepFigure]:
    """Run ``mesh build`` in this process as the command does (the settings come from
    the environment), with the figures of the landing simulation and of each product.

    Raises:
        RuntimeError: a product failed (naming it and why): a failed build measures
            nothing worth comparing.
    """
    from sandbox.build import ProductOutcome, build

    steps: dict[str, StepFigure] = {}

    def on_landing(rows: dict[str, int], seconds: float) -> None:
        # the peak since the process started: the definitions' loading is in it
        steps[LANDING] = StepFigure(wall_s=seconds, peak_rss=peak_rss(), rows=sum(rows.values()))
        reset_peak()

    def on_product(outcome: ProductOutcome) -> None:
        steps[outcome.key] = StepFigure(
            wall_s=outcome.duration_s, peak_rss=peak_rss(), rows=outcome.rows
        )
        reset_peak()

    def on_start(_: object) -> None:
        reset_peak()  # the products' peaks are their own

    report = build(scale=scale, on_landing=on_landing, on_start=on_start, on_product=on_product)
    failed = [o for o in report.outcomes if not o.success]
    if failed:
        raise RuntimeError(
            "the build failed: "
            + "; ".join(
                f"{o.key}: {o.error.splitlines()[0] if o.error else 'failed'}" for o in failed
            )
        )
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.bench.child")
    parser.add_argument("kind", choices=("floor", "build"))
    parser.add_argument("--scale", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--warehouse", type=Path, help="the floor's DuckDB file")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from mesh_platform.cli import collect_in_batches

    collect_in_batches()  # both runs collect garbage as the mesh command does
    if args.kind == "floor":
        from sandbox.bench.floor import run_floor

        if args.warehouse is None:
            parser.error("floor needs --warehouse")
        steps = run_floor(args.scale, args.seed, args.warehouse, threads=args.threads)
    else:
        steps = build_steps(args.scale)
    args.out.write_text(json.dumps({name: step.model_dump() for name, step in steps.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
