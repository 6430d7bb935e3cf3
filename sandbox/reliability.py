"""Reliability of publishing on the local warehouse, run many times: a script, not a test.

    python -m sandbox.reliability --scale tiny --rounds 5 --parallel-rounds 3 --readers 2

On a simulated world in a temporary state folder, over the products of a few
upstream-closed domains (default: resorts, reviews, products, media, territory):

- **kills** (``--rounds``): the landing zone is simulated from the other of two seeds,
  a build of the products starts and is SIGKILLed at a random moment; every published
  table, and its read replica, must then hold exactly one of the two reference states
  (never a partial one); a rerun must converge to the reference of the seed in force;
- **parallel writers** (``--parallel-rounds``): one process per domain builds that
  domain's products at once; each must exit 0 with no lock error, and every product
  must be republished with the reference content;
- **readers** (``--readers``): processes query the published replica in a loop all along;
  each query counts two products in one statement and must match the row counts of the
  one manifest it opened.

It prints the counts: rounds, kills, successes, failures, queries, query errors and
query latency (p50, max); the exit status is non-zero when anything failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp

DOMAINS = ("resorts", "reviews", "products", "media", "territory")
SEEDS = (20240101, 20240202)
LOCK_WORDS = ("could not set lock", "conflicting lock", "lock timeout", "waited")


@dataclass
class Tally:
    """What the script counted."""

    kills: int = 0
    kill_rounds_ok: int = 0
    parallel_rounds_ok: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        print(f"  FAILURE: {message}", flush=True)
        self.failures.append(message)


# --- what is built ------------------------------------------------------------------------


def closed_products(domains: tuple[str, ...]) -> dict[str, list[str]]:
    """The products of ``domains`` whose upstream products all lie in ``domains`` too."""
    from sandbox.build import mesh_definitions, product_order

    defs = mesh_definitions()
    graph = defs.resolve_asset_graph()
    chosen: set[str] = set()
    by_domain: dict[str, list[str]] = defaultdict(list)
    for key in product_order(defs):
        name = ".".join(key.path)
        parents = {".".join(p.path) for p in graph.get(key).parent_keys}
        if key.path[0] in domains and parents <= chosen:
            chosen.add(name)
            by_domain[key.path[0]].append(name)
    return dict(by_domain)


def _env(state: Path, seed: int) -> dict[str, str]:
    env = os.environ.copy()
    env.update(MESH_STATE_DIR=str(state), MESH_SEED=str(seed), MESH_DUCKDB_THREADS="1")
    env.pop("MESH_ENGINE", None)
    env.pop("MESH_ENV", None)
    return env


def _mesh(state: Path, seed: int, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("mesh")), *args],
        env=_env(state, seed),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _run(state: Path, seed: int, args: list[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    process = _mesh(state, seed, *args)
    out, _ = process.communicate()
    return process.returncode, out.decode(errors="replace"), time.monotonic() - started


# --- what is published --------------------------------------------------------------------


def _digest_query(table: exp.Table) -> str:
    row = exp.column("_r")
    return (
        exp.select(
            exp.func("COUNT", exp.Star()),
            exp.func(
                "COALESCE",
                exp.func("SUM", exp.func("HASH", exp.cast(row, "VARCHAR"))),
                exp.Literal.number(0),
            ),
        )
        .from_(table.as_("_r"))
        .sql("duckdb", identify=True)
    )


def published_state(state: Path, products: list[str]) -> dict[str, tuple[object, object]]:
    """Per product: (the table's content digest, its replica's content digest).

    Run only while no build runs (it reads the warehouse file).
    """
    from mesh_platform.engines.duckdb import DuckDBEngine
    from mesh_platform.settings import MeshSettings

    engine = DuckDBEngine(MeshSettings(state_dir=state))
    tables: dict[str, object] = {}
    with engine.connection(write=False) as connection:
        for product in products:
            domain, name = product.split(".")
            table = exp.table_(name, db=domain, quoted=True)
            exists = engine.table_exists(table)
            tables[product] = (
                connection.execute(_digest_query(table)).fetchone() if exists else None
            )
    replicas: dict[str, object] = {}
    with engine.published_snapshot() as snapshot:
        for product in products:
            domain, name = product.split(".")
            known = product in snapshot.manifest.products
            query = _digest_query(exp.table_(name, db=domain, quoted=True))
            replicas[product] = snapshot.connection.execute(query).fetchone() if known else None
    return {p: (tables[p], replicas[p]) for p in products}


def run_ids(state: Path) -> dict[str, str]:
    from mesh_platform.engines.replica import read_manifest

    return {k: v.run_id for k, v in read_manifest(state / "published").products.items()}


# --- readers -------------------------------------------------------------------------------


def reader(state: Path, stop: Path, out: Path) -> int:
    """Query the replica in a loop until ``stop`` exists; write the figures to ``out``."""
    from mesh_platform.engines.replica import open_snapshot

    latencies: list[float] = []
    errors: list[str] = []
    queries = 0
    root = state / "published"
    while not stop.exists():
        started = time.monotonic()
        try:
            with open_snapshot(root) as snapshot:
                entries = sorted(snapshot.manifest.products.values(), key=lambda e: e.product)
                if len(entries) < 2:
                    time.sleep(0.2)
                    continue
                first, second = random.sample(entries, 2)
                counts = [
                    exp.select(exp.func("COUNT", exp.Star()))
                    .from_(exp.table_(e.table, db=e.schema, quoted=True))
                    .subquery()
                    for e in (first, second)
                ]
                got = snapshot.connection.execute(exp.select(*counts).sql("duckdb")).fetchone()
                if got != (first.row_count, second.row_count):
                    errors.append(f"inconsistent: {first.product}, {second.product}: {got}")
            queries += 1
            latencies.append(time.monotonic() - started)
        except Exception as error:  # every error is a finding, counted and shown
            queries += 1
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.05)
    out.write_text(json.dumps({"queries": queries, "errors": errors, "latencies": latencies}))
    return 0


def _start_readers(
    state: Path, count: int, work: Path
) -> list[tuple[subprocess.Popen[bytes], Path]]:
    stop = work / "stop-readers"
    started = []
    for i in range(count):
        out = work / f"reader-{i}.json"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox.reliability",
                "--reader",
                str(state),
                str(stop),
                str(out),
            ],
            env=_env(state, SEEDS[0]),
        )
        started.append((process, out))
    return started


# --- the rounds ------------------------------------------------------------------------------


def _check_states(
    tally: Tally,
    label: str,
    now: dict[str, tuple[object, object]],
    allowed: list[dict[str, object]],
) -> None:
    for product, (table, copy) in now.items():
        refs = [ref[product] for ref in allowed]
        if table not in refs:
            tally.fail(f"{label}: {product} table holds a state that is no reference: {table}")
        if copy not in refs:
            tally.fail(f"{label}: {product} replica holds a state that is no reference: {copy}")


@dataclass
class Trial:
    """One run of the script: where, what, and the two reference states."""

    state: Path
    scale: str
    by_domain: dict[str, list[str]]
    rng: random.Random
    tally: Tally = field(default_factory=Tally)
    refs: dict[int, dict[str, object]] = field(default_factory=dict)
    duration: float = 0.0

    @property
    def products(self) -> list[str]:
        return [p for ps in self.by_domain.values() for p in ps]

    def build_args(self, products: list[str], *, simulate: bool = False) -> list[str]:
        args = ["build", "--scale", self.scale] + ([] if simulate else ["--no-simulate"])
        for product in products:
            args += ["--select", product]
        return args

    def reference(self, seed: int) -> bool:
        """Build the products whole from ``seed``'s world; their state is its reference."""
        code, out, self.duration = _run(
            self.state, seed, self.build_args(self.products, simulate=True)
        )
        if code != 0:
            print(out)
            return False
        now = published_state(self.state, self.products)
        self.refs[seed] = {p: table for p, (table, _) in now.items()}
        print(f"reference of seed {seed}: built in {self.duration:.0f} s", flush=True)
        return True

    def kill_round(self, seed: int) -> None:
        from mesh_platform.settings import MeshSettings
        from sandbox.build import simulate_landing

        tally, state = self.tally, self.state
        simulate_landing(self.scale, MeshSettings(state_dir=state, seed=seed))
        process = _mesh(state, seed, *self.build_args(self.products))
        delay = self.rng.uniform(0.1, 1.0) * self.duration
        time.sleep(delay)
        killed = process.poll() is None
        if killed:
            os.killpg(process.pid, signal.SIGKILL)
            tally.kills += 1
        process.communicate()
        print(f"  killed after {delay:.1f} s" if killed else "  the build ended first", flush=True)
        before = len(tally.failures)
        now = published_state(state, self.products)
        _check_states(tally, "after the kill", now, list(self.refs.values()))
        code, out, _ = _run(state, seed, self.build_args(self.products))
        if code != 0:
            tally.fail(f"the rerun failed ({code}): {out[-2000:]}")
        now = published_state(state, self.products)
        _check_states(tally, "after the rerun", now, [self.refs[seed]])
        if len(tally.failures) == before:
            tally.kill_rounds_ok += 1

    def parallel_round(self, seed: int) -> None:
        tally, state = self.tally, self.state
        before_ids = run_ids(state)
        before = len(tally.failures)
        processes = {
            domain: _mesh(state, seed, *self.build_args(products))
            for domain, products in self.by_domain.items()
        }
        for domain, process in processes.items():
            out = process.communicate()[0].decode(errors="replace")
            if process.returncode != 0:
                tally.fail(f"{domain}: build exited {process.returncode}: {out[-2000:]}")
            elif any(word in out.lower() for word in LOCK_WORDS):
                tally.fail(f"{domain}: a lock error surfaced: {out[-2000:]}")
        after_ids = run_ids(state)
        for product in self.products:
            if after_ids.get(product) in (None, before_ids.get(product)):
                tally.fail(f"{product}: not republished")
        now = published_state(state, self.products)
        _check_states(tally, "after the parallel builds", now, [self.refs[seed]])
        if len(tally.failures) == before:
            tally.parallel_rounds_ok += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--rounds", type=int, default=5, help="builds killed at random")
    parser.add_argument("--parallel-rounds", type=int, default=3)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--domains", nargs="+", default=list(DOMAINS))
    parser.add_argument("--random-seed", type=int, default=None)
    parser.add_argument(
        "--reader", nargs=3, metavar=("STATE", "STOP", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.reader:
        return reader(*(Path(a) for a in args.reader))
    with tempfile.TemporaryDirectory(prefix="mesh-reliability-") as folder:
        work = Path(folder)
        by_domain = closed_products(tuple(args.domains))
        trial = Trial(work / "state", args.scale, by_domain, random.Random(args.random_seed))
        print(f"{len(trial.products)} products of {', '.join(by_domain)}", flush=True)
        for seed in SEEDS:  # the two reference states, each built whole without interruption
            if not trial.reference(seed):
                return 2
        first, second = (trial.refs[seed] for seed in SEEDS)
        differ = sum(first[p] != second[p] for p in trial.products)
        print(f"{differ} of {len(trial.products)} products differ between the two", flush=True)
        readers = _start_readers(trial.state, args.readers, work)
        seed = SEEDS[-1]
        for i in range(args.rounds):
            seed = SEEDS[i % 2]
            print(f"kill round {i + 1}/{args.rounds} (seed {seed})", flush=True)
            trial.kill_round(seed)
        for i in range(args.parallel_rounds):
            print(f"parallel round {i + 1}/{args.parallel_rounds}", flush=True)
            trial.parallel_round(seed)
        (work / "stop-readers").write_text("stop")
        queries, errors, latencies = 0, [], []
        for process, out_file in readers:
            process.wait(timeout=120)
            figures = json.loads(out_file.read_text())
            queries += figures["queries"]
            errors += figures["errors"]
            latencies += figures["latencies"]
    tally = trial.tally
    for error in errors[:10]:
        print(f"  query error: {error}")
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    top = max(latencies) * 1000 if latencies else 0.0
    print(
        f"kill rounds: {args.rounds} (kills {tally.kills}, converged {tally.kill_rounds_ok}); "
        f"parallel rounds: {args.parallel_rounds} of {len(by_domain)} processes "
        f"(succeeded {tally.parallel_rounds_ok}); failures: {len(tally.failures)}; "
        f"queries: {queries}, query errors: {len(errors)}, "
        f"latency p50 {p50:.0f} ms, max {top:.0f} ms"
    )
    return 1 if tally.failures or errors else 0


if __name__ == "__main__":
    sys.exit(main())
