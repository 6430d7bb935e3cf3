"""Row accounting of write-audit-publish: what a run read, published and left out.

:func:`mesh_platform.wap.publish_product` stages the rows a run leaves out beside the
product (:func:`stage_left_out`), counts what went in and out (:func:`account`), audits
the counts against the contract's :class:`~mesh_platform.contract.Tolerance`
(:func:`accounting_failures`: the ``left_out_tolerance`` and ``volume_change`` rules)
and, once the product is published, appends the left-out rows to the product's rejects
table ``<domain>.<product>__left_out`` (:func:`append_left_out`).

Every statement is a sqlglot expression in the engine's dialect; the rejects table's
DDL and inserts are derived from its contract
(:mod:`mesh_platform.derive.left_out_table`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from mesh_platform.contract import DataContract
from mesh_platform.contract.reasons import UnknownReason
from mesh_platform.contract.rules import Rule
from mesh_platform.derive.ddl import insert_from
from mesh_platform.derive.left_out_table import left_out_contract, left_out_ddl, left_out_name
from mesh_platform.engines.base import WarehouseEngine, staging_name
from mesh_platform.errors import RuleFailure

if TYPE_CHECKING:  # pandas and Arrow are loaded only for a Python product's frame
    import pandas as pd

    from mesh_platform.derive.arrow import Frame

FRAME_STAGE = "output"
"""The stage of the rows a Python product leaves out (its function's output)."""
FRAME_CHUNK_ROWS = 250_000
"""Left-out rows of a Python product turned into rejects rows (a JSON text each) and
loaded at a time: a model's millions of rows are never held as records all at once."""


@dataclass(frozen=True)
class LeftOutRows:
    """The rows a run leaves out, as handed to write-audit-publish.

    A SQL product gives two queries in the engine's dialect
    (:func:`mesh_platform.products.left_out.split_left_out`): ``select`` (``stage,
    reason, row_key, row_json``) and ``candidates`` (``stage, candidates``). A Python
    product gives a ``frame`` with ``reason``, optionally ``row_key`` and ``stage`` (by
    default ``output``), any other columns kept as ``row_json``; its candidates are its
    published rows plus those left out.
    """

    select: exp.Query | None = None
    candidates: exp.Query | None = None
    frame: Frame | None = None


@dataclass(frozen=True)
class LeftOutCount:
    """The rows one stage of a run left out for one reason."""

    stage: str
    reason: str
    rows: int
    candidates: int
    sample: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        """The share of the stage's candidate rows left out for this reason."""
        return self.rows / self.candidates if self.candidates else 1.0


@dataclass(frozen=True)
class Accounting:
    """What one run read, published and left out.

    Attributes:
        rows_read: rows per input (``domain.product`` or landing table).
        rows_published: rows the run published (the partitions' rows for partitions).
        left_out: rows left out per stage and reason.
        previous_rows: the published rows before the run (of the same partitions);
            ``None`` on a first publish.
    """

    rows_read: Mapping[str, int]
    rows_published: int
    left_out: tuple[LeftOutCount, ...] = ()
    previous_rows: int | None = None
    candidates: Mapping[str, int] = field(default_factory=dict)

    @property
    def rows_left_out(self) -> int:
        return sum(count.rows for count in self.left_out)

    def left_out_by_reason(self) -> dict[str, int]:
        """Rows left out per reason, over every stage."""
        found: dict[str, int] = {}
        for count in self.left_out:
            found[count.reason] = found.get(count.reason, 0) + count.rows
        return found

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (metadata, lineage facets, summaries)."""
        return {
            "rows_read": dict(self.rows_read),
            "rows_published": self.rows_published,
            "rows_left_out": self.rows_left_out,
            "previous_rows": self.previous_rows,
            "left_out": [
                {
                    "stage": c.stage,
                    "reason": c.reason,
                    "rows": c.rows,
                    "candidates": c.candidates,
                    "share": round(c.share, 6),
                    "sample_keys": list(c.sample),
                }
                for c in self.left_out
            ],
        }


def left_out_staging_for(
    engine: WarehouseEngine, contract: type[DataContract], run_id: str
) -> exp.Table:
    """The staging table of a run's left-out rows: named like the product's staging
    table of the run (``_left_out`` appended), so the leftover cleanup drops it too."""
    meta = contract.meta()
    return engine.table_for(meta.domain, f"{staging_name(meta.product, run_id)}_left_out")


def rejects_table_for(engine: WarehouseEngine, contract: type[DataContract]) -> exp.Table:
    """The product's rejects table ``<domain>.<product>__left_out``."""
    meta = contract.meta()
    return engine.table_for(meta.domain, left_out_name(meta.product))


# --- stage ------------------------------------------------------------------------------------


def stage_left_out(
    engine: WarehouseEngine,
    contract: type[DataContract],
    table: exp.Table,
    rows: LeftOutRows,
    *,
    run_id: str,
    recorded_at: dt.datetime,
) -> None:
    """Create the left-out staging ``table`` and fill it with the run's left-out rows."""
    rejects = left_out_contract(contract)
    engine.create_staging(left_out_ddl(contract, engine.dialect, table, enforce_not_null=False))
    if rows.frame is not None:
        from mesh_platform.derive.arrow import to_arrow

        data = _to_pandas(rows.frame)
        if "reason" not in data.columns:
            raise ValueError(f"a left-out frame needs a 'reason' column, has {list(data.columns)}")
        for start in range(0, max(len(data), 1), FRAME_CHUNK_ROWS):
            part = data.iloc[start : start + FRAME_CHUNK_ROWS]
            engine.load_arrow(table, to_arrow(_frame_rows(part, run_id, recorded_at), rejects))
        return
    if rows.select is None:
        return
    stamp = exp.cast(exp.Literal.string(recorded_at.isoformat(sep=" ")), "TIMESTAMP")
    select = exp.select(
        exp.Literal.string(run_id).as_("run_id"),
        exp.column("stage"),
        exp.column("reason"),
        exp.column("row_key"),
        exp.column("row_json"),
        stamp.as_("recorded_at"),
    ).from_(rows.select.subquery("left_out_rows"))
    engine.execute(insert_from(rejects, engine.dialect, table, select))


def _frame_rows(data: pd.DataFrame, run_id: str, recorded_at: dt.datetime) -> pd.DataFrame:
    """Left-out rows of a Python product (with their ``reason``) as rows of its rejects
    table."""
    import pandas as pd

    others = [c for c in data.columns if c not in ("reason", "row_key", "stage")]
    row_json = (
        [json.dumps(r, default=str, sort_keys=True) for r in _records(data[others])]
        if others
        else [None] * len(data)
    )
    keys = data["row_key"] if "row_key" in data.columns else [None] * len(data)
    return pd.DataFrame(
        {
            "run_id": [run_id] * len(data),
            "stage": (
                data["stage"].astype(str).to_list()
                if "stage" in data.columns
                else [FRAME_STAGE] * len(data)
            ),
            "reason": data["reason"].astype(str).to_list(),
            "row_key": [None if pd.isna(k) else str(k) for k in keys],
            "row_json": row_json,
            "recorded_at": [recorded_at.replace(tzinfo=None)] * len(data),
        }
    )


def _records(data: pd.DataFrame) -> list[dict[str, Any]]:
    import pandas as pd  # once, not once a value

    def missing(value: Any) -> bool:
        try:
            return bool(pd.isna(value))
        except (TypeError, ValueError):
            return False

    return [
        {str(k): (None if missing(v) else v) for k, v in row.items()}
        for row in data.to_dict(orient="records")
    ]


def _to_pandas(frame: Frame) -> pd.DataFrame:
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        return frame
    to_pandas = getattr(frame, "to_pandas", None)
    if callable(to_pandas):
        return to_pandas()
    raise TypeError(f"not a frame: {type(frame).__name__}")


# --- account ----------------------------------------------------------------------------------


def account(
    engine: WarehouseEngine,
    *,
    published: int,
    inputs: Mapping[str, exp.Table | int],
    left_out: exp.Table | None,
    rows: LeftOutRows | None,
    previous: exp.Table | None,
    where: exp.Condition | None = None,
    sample_size: int = 5,
) -> Accounting:
    """Count what the run read, published and left out, and what was published before.

    Args:
        published: the rows in the product's staging table.
        inputs: per input, its table (counted here) or its count (a frame's length).
        left_out: the left-out staging table, if the run has one.
        rows: the run's left-out rows (for the candidate counts).
        previous: the published table, if it exists.
        where: the partitions published (the previous rows are theirs).
    """
    read = {name: n for name, n in inputs.items() if isinstance(n, int)}
    tables = {name: t for name, t in inputs.items() if isinstance(t, exp.Table)}
    if tables:
        parts = [
            exp.select(
                exp.Literal.string(name).as_("input"), exp.func("COUNT", exp.Star()).as_("n")
            ).from_(table.copy())
            for name, table in tables.items()
        ]
        union: exp.Query = parts[0]
        for part in parts[1:]:
            # the parts are fresh: copying the growing union each time is quadratic
            union = exp.union(union, part, distinct=False, copy=False)
        read.update({r["input"]: int(r["n"]) for r in engine.query_rows(union)})
    counts: tuple[LeftOutCount, ...] = ()
    candidates: dict[str, int] = {}
    if left_out is not None and rows is not None:
        counts, candidates = _left_out_counts(engine, left_out, rows, published, sample_size)
    before = None
    if previous is not None:
        query = exp.select(exp.func("COUNT", exp.Star()).as_("n")).from_(previous.copy())
        if where is not None:
            query = query.where(where.copy())
        before = int(engine.query_rows(query)[0]["n"])
    return Accounting(
        rows_read={name: read[name] for name in inputs},
        rows_published=published,
        left_out=counts,
        previous_rows=before,
        candidates=candidates,
    )


def _left_out_counts(
    engine: WarehouseEngine,
    table: exp.Table,
    rows: LeftOutRows,
    published: int,
    sample_size: int,
) -> tuple[tuple[LeftOutCount, ...], dict[str, int]]:
    stage, reason, key = exp.column("stage"), exp.column("reason"), exp.column("row_key")
    grouped = engine.query_rows(
        exp.select(stage, reason, exp.func("COUNT", exp.Star()).as_("n"))
        .from_(table.copy())
        .group_by(stage.copy(), reason.copy())
        .order_by(stage.copy(), reason.copy())
    )
    if not grouped:
        candidates = _candidates(engine, rows, published, 0)
        return (), candidates
    ranked = exp.select(
        stage.copy(),
        reason.copy(),
        key.copy(),
        exp.Window(
            this=exp.RowNumber(),
            partition_by=[stage.copy(), reason.copy()],
            order=exp.Order(expressions=[exp.Ordered(this=key.copy())]),
        ).as_("_rank"),
    ).from_(table.copy())
    samples: dict[tuple[str, str], list[str]] = {}
    sample_rows = engine.query_rows(
        exp.select(stage.copy(), reason.copy(), key.copy())
        .from_(ranked.subquery("ranked"))
        .where(exp.and_(exp.column("_rank") <= sample_size, key.copy().is_(exp.null()).not_()))
        .order_by(stage.copy(), reason.copy(), key.copy())
    )
    for row in sample_rows:
        samples.setdefault((row["stage"], row["reason"]), []).append(str(row["row_key"]))
    left = sum(int(r["n"]) for r in grouped)
    candidates = _candidates(engine, rows, published, left)
    counts = tuple(
        LeftOutCount(
            stage=r["stage"],
            reason=r["reason"],
            rows=int(r["n"]),
            candidates=candidates.get(r["stage"], int(r["n"])),
            sample=tuple(samples.get((r["stage"], r["reason"]), ())),
        )
        for r in grouped
    )
    return counts, candidates


def _candidates(
    engine: WarehouseEngine, rows: LeftOutRows, published: int, left: int
) -> dict[str, int]:
    if rows.candidates is not None:
        return {r["stage"]: int(r["candidates"]) for r in engine.query_rows(rows.candidates)}
    return {FRAME_STAGE: published + left}


# --- audit ------------------------------------------------------------------------------------


def accounting_failures(
    contract: type[DataContract], accounting: Accounting, *, partition: str | None = None
) -> list[RuleFailure]:
    """The ``left_out_tolerance`` and ``volume_change`` rules the run breaks: a reason
    outside the vocabulary, a share above the contract's limit, or a volume change
    beyond it (none on a first publish)."""
    meta = contract.meta()
    tolerance = meta.tolerance
    failures: list[RuleFailure] = []
    for count in accounting.left_out:
        try:
            limit = tolerance.limit_for(count.reason)
        except UnknownReason as error:
            failures.append(
                RuleFailure(
                    meta.key,
                    None,
                    Rule.LEFT_OUT_TOLERANCE.value,
                    failing_rows=count.rows,
                    sample=count.sample,
                    detail=f"stage {count.stage!r}: {error}",
                )
            )
            continue
        if count.share > limit:
            failures.append(
                RuleFailure(
                    meta.key,
                    None,
                    Rule.LEFT_OUT_TOLERANCE.value,
                    failing_rows=count.rows,
                    sample=count.sample,
                    detail=(
                        f"stage {count.stage!r} left out {count.rows} of {count.candidates} "
                        f"candidate rows for {count.reason!r} ({_percent(count.share)}), "
                        f"tolerance {_percent(limit)}"
                    ),
                )
            )
    failures += _volume_failures(contract, accounting, partition)
    return failures


def _volume_failures(
    contract: type[DataContract], accounting: Accounting, partition: str | None
) -> list[RuleFailure]:
    meta = contract.meta()
    tolerance = meta.tolerance
    before, now = accounting.previous_rows, accounting.rows_published
    if not before:
        return []
    change = (now - before) / before
    scope = f" of partition {partition!r}" if partition else ""
    for direction, limit, broken in (
        ("fell", tolerance.volume_drop, change < 0 and -change),
        ("grew", tolerance.volume_growth, change > 0 and change),
    ):
        if limit is not None and broken and broken > limit:
            return [
                RuleFailure(
                    meta.key,
                    None,
                    Rule.VOLUME_CHANGE.value,
                    failing_rows=abs(now - before),
                    detail=(
                        f"published rows{scope} {direction} from {before} to {now} "
                        f"({_percent(broken)}), tolerance {_percent(limit)}"
                    ),
                )
            ]
    return []


def _percent(share: float) -> str:
    return f"{share * 100:.4g}%"


# --- publish ----------------------------------------------------------------------------------


def append_left_out(
    engine: WarehouseEngine, contract: type[DataContract], staging: exp.Table
) -> None:
    """Append the run's left-out rows to the product's rejects table (created from its
    contract's DDL when missing), then drop the left-out staging table."""
    rejects = rejects_table_for(engine, contract)
    if not engine.table_exists(rejects):
        engine.execute(left_out_ddl(contract, engine.dialect, rejects))
    engine.execute(insert_from(left_out_contract(contract), engine.dialect, rejects, staging))
    engine.drop_table(staging)


def record_left_out(
    engine: WarehouseEngine, contract: type[DataContract], rows: LeftOutRows, *, run_id: str
) -> None:
    """Record a run's left-out rows in the product's rejects table when the run
    publishes nothing (e.g. a stream's batch of redeliveries only)."""
    staging = left_out_staging_for(engine, contract, run_id)
    with engine.session():
        engine.ensure_schema(contract.meta().domain)
        try:
            stage_left_out(
                engine, contract, staging, rows, run_id=run_id, recorded_at=dt.datetime.now(dt.UTC)
            )
            append_left_out(engine, contract, staging)
        except BaseException:
            with contextlib.suppress(Exception):  # the next run's cleanup drops it
                engine.drop_table(staging)
            raise


__all__ = [
    "FRAME_STAGE",
    "Accounting",
    "LeftOutCount",
    "LeftOutRows",
    "account",
    "accounting_failures",
    "append_left_out",
    "left_out_staging_for",
    "record_left_out",
    "rejects_table_for",
    "stage_left_out",
]
