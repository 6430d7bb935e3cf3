"""Right to erasure and right of access, through the warehouse engines.

``mesh gdpr erase`` removes one person from every table that holds one of their
identifiers (found by :mod:`mesh_platform.privacy.identifiers`): the published
products, their rejects tables (``<product>__left_out``, whose rows and keys may name
the person) and the landing tables. It then records the erasure in the audit and the
person's identifiers in the suppression list (:mod:`mesh_platform.privacy.audit`),
and refreshes the read replica of every product it changed. Later builds honour the
suppression list (:func:`suppress_staged`, in write-audit-publish) and so does the
landing (:func:`suppress_landing`), so a rebuild does not bring the person back.

Every statement is a sqlglot expression run by the engine in force (DuckDB or
BigQuery).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from mesh_platform.contract import DataContract
from mesh_platform.derive.ddl import create_table
from mesh_platform.derive.left_out_table import left_out_name
from mesh_platform.engines import WarehouseEngine
from mesh_platform.privacy.audit import PRIVACY_SCHEMA, ErasureAudit, ErasureSuppression
from mesh_platform.privacy.identifiers import (
    LandingColumn,
    household_columns,
    person_columns,
)

STRING = exp.DataType.build("VARCHAR")


@dataclass(frozen=True)
class Person:
    """The identifiers of one person across the mesh.

    Attributes:
        customer_id: the resolved customer.
        source_ids: the person's records in the source systems (their identifiers).
        household_id: the person's household when the person is its only member (its
            rows then describe the person alone), else ``None``.
    """

    customer_id: str
    source_ids: tuple[str, ...] = ()
    household_id: str | None = None

    def identifiers(self) -> list[tuple[str, str]]:
        """``(kind, identifier)`` of every identifier, as the suppression list holds them."""
        found = [("customer_id", self.customer_id)]
        found += [("source_customer_id", s) for s in self.source_ids]
        if self.household_id:
            found.append(("household_id", self.household_id))
        return found


@dataclass(frozen=True)
class Target:
    """A table holding a person's rows, and the condition that selects them."""

    table: exp.Table
    condition: exp.Expr
    name: str
    """``schema.table`` for people."""
    product: tuple[str, str] | None = None
    """``(domain, product)`` of a published product (its replica is refreshed)."""


@dataclass(frozen=True)
class Erasure:
    """What one erasure did: its audit entry's figures."""

    erasure_id: str
    customer_id: str
    rows: Mapping[str, int]
    """Rows removed per table (tables without any left out)."""

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _text(column: exp.Expr) -> exp.Expr:
    return exp.Trim(this=exp.cast(column, STRING.copy()))


def _in(column: str, values: Sequence[str]) -> exp.Expr:
    return _text(exp.column(column, quoted=True)).isin(*(exp.Literal.string(v) for v in values))


def _mentions(column: str, values: Sequence[str]) -> exp.Expr:
    """``column`` (text) names one of ``values`` as a whole token."""
    alternatives = "|".join(re.escape(v) for v in values)
    pattern = f"(^|[^0-9A-Za-z_-])({alternatives})([^0-9A-Za-z_-]|$)"
    return exp.RegexpLike(
        this=exp.Coalesce(
            this=exp.column(column, quoted=True), expressions=[exp.Literal.string("")]
        ),
        expression=exp.Literal.string(pattern),
    )


def find_person(engine: WarehouseEngine, customer_id: str) -> Person:
    """The person's identifiers, read from the customers domain's published products.

    Raises:
        LookupError: no published product knows the customer.
    """
    source_ids: list[str] = []
    identity = engine.published_table("customers", "customer_identity_map")
    if identity is not None:
        rows = engine.query_rows(
            exp.select(exp.column("source_customer_id", quoted=True))
            .from_(identity)
            .where(_in("customer_id", [customer_id]))
        )
        source_ids = sorted({str(r["source_customer_id"]).strip() for r in rows})
    household = None
    profile = engine.published_table("customers", "customer_profile")
    if profile is not None:
        mine = (
            exp.select(exp.column("household_id", quoted=True))
            .from_(profile.copy())
            .where(_in("customer_id", [customer_id]))
        )
        rows = engine.query_rows(
            exp.select(
                exp.column("household_id", quoted=True),
                exp.func("COUNT", exp.Star()).as_("members"),
            )
            .from_(profile.copy())
            .where(exp.column("household_id", quoted=True).isin(query=mine))
            .group_by(exp.column("household_id", quoted=True))
        )
        if rows and int(rows[0]["members"]) == 1:
            household = str(rows[0]["household_id"])
        if not rows and not source_ids:
            raise LookupError(f"customer {customer_id}: no published product knows them")
    return Person(customer_id, tuple(source_ids), household)


def targets(
    engine: WarehouseEngine,
    person: Person,
    contracts: Mapping[str, type[DataContract]],
    landing: Iterable[LandingColumn],
) -> list[Target]:
    """Every existing table holding the person's rows, with the condition selecting them."""
    found: list[Target] = []
    households = household_columns(contracts) if person.household_id else {}
    people = person_columns(contracts)
    for key in sorted(set(people) | set(households)):
        domain, product = key.split(".")
        table = engine.published_table(domain, product)
        if table is None:
            continue
        conditions = [_in(c, [person.customer_id]) for c in people.get(key, ())]
        if person.household_id:
            conditions += [_in(c, [person.household_id]) for c in households.get(key, ())]
        found.append(Target(table, exp.or_(*conditions), key, (domain, product)))
    tokens = [v for _, v in person.identifiers()]
    for key in sorted(contracts):
        domain, product = key.split(".")
        rejects = engine.table_for(domain, left_out_name(product))
        if engine.table_exists(rejects):
            condition = exp.or_(_mentions("row_key", tokens), _mentions("row_json", tokens))
            found.append(Target(rejects, condition, f"{domain}.{left_out_name(product)}"))
    if person.source_ids:
        by_table: dict[str, list[str]] = {}
        for column in landing:
            by_table.setdefault(column.table, []).append(column.column)
        for name, columns in sorted(by_table.items()):
            schema, table_name = name.split(".")
            table = engine.table_for(schema, table_name)
            if engine.table_exists(table):
                condition = exp.or_(*(_in(c, person.source_ids) for c in sorted(set(columns))))
                found.append(Target(table, condition, name))
    return found


def _count(engine: WarehouseEngine, target: Target) -> int:
    rows = engine.query_rows(
        exp.select(exp.func("COUNT", exp.Star()).as_("n"))
        .from_(target.table.copy())
        .where(target.condition.copy())
    )
    return int(rows[0]["n"])


def _register(engine: WarehouseEngine, contract: type[DataContract]) -> exp.Table:
    """The register table of ``contract``, created on first use."""
    table = engine.table_for(PRIVACY_SCHEMA, contract.meta().product)
    if not engine.table_exists(table):
        engine.ensure_schema(PRIVACY_SCHEMA)
        engine.execute(create_table(contract, engine.dialect, table))
    return table


def _append(
    engine: WarehouseEngine, contract: type[DataContract], rows: list[dict[str, Any]]
) -> None:
    import pyarrow as pa

    from mesh_platform.derive.arrow import arrow_schema

    engine.load_arrow(
        _register(engine, contract), pa.Table.from_pylist(rows, arrow_schema(contract))
    )


def erase(
    engine: WarehouseEngine,
    customer_id: str,
    *,
    reason: str,
    requested_by: str,
    contracts: Mapping[str, type[DataContract]],
    landing: Iterable[LandingColumn],
) -> Erasure:
    """Erase one person from every table holding their identifiers, record it in the
    audit and the suppression list, and refresh the replicas of the products changed.

    Raises:
        LookupError: no published product knows the customer.
        ValueError: the reason or the operator is empty.
    """
    if not reason.strip() or not requested_by.strip():
        raise ValueError("an erasure needs a reason and the operator who runs it")
    person = find_person(engine, customer_id)
    erasure_id = str(uuid.uuid4())
    removed: dict[str, int] = {}
    with engine.session():
        for target in targets(engine, person, contracts, landing):
            rows = _count(engine, target)
            if rows:
                engine.execute(exp.delete(target.table.copy(), where=target.condition.copy()))
                removed[target.name] = rows
                if target.product is not None:
                    engine.publish_replica(*target.product, f"erasure-{erasure_id}")
        now = dt.datetime.now(dt.UTC)
        _append(
            engine,
            ErasureSuppression,
            [
                {"kind": kind, "identifier": value, "erasure_id": erasure_id, "added_at": now}
                for kind, value in person.identifiers()
            ],
        )
        tables = [{"table": name, "rows": rows} for name, rows in removed.items()]
        _append(
            engine,
            ErasureAudit,
            [
                {
                    "erasure_id": erasure_id,
                    "customer_id": customer_id,
                    "requested_by": requested_by,
                    "reason": reason,
                    "erased_at": now,
                    "engine": engine.describe(),
                    "tables": json.dumps(tables),
                    "rows_erased": sum(removed.values()),
                }
            ],
        )
    return Erasure(erasure_id, customer_id, removed)


def export(
    engine: WarehouseEngine,
    customer_id: str,
    *,
    contracts: Mapping[str, type[DataContract]],
    landing: Iterable[LandingColumn],
) -> dict[str, Any]:
    """Every row the mesh holds about one person (right of access), per table.

    Raises:
        LookupError: no published product knows the customer.
    """
    person = find_person(engine, customer_id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for target in targets(engine, person, contracts, landing):
        rows = engine.query_rows(
            exp.select(exp.Star()).from_(target.table.copy()).where(target.condition.copy())
        )
        if rows:
            tables[target.name] = rows
    return {
        "customer_id": customer_id,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(),
        "source_records": list(person.source_ids),
        "tables": tables,
    }


def suppressed(engine: WarehouseEngine) -> dict[str, list[str]]:
    """The suppression list by kind (empty when no erasure ever ran)."""
    table = engine.table_for(PRIVACY_SCHEMA, ErasureSuppression.meta().product)
    if not engine.table_exists(table):
        return {}
    found: dict[str, list[str]] = {}
    query = exp.select(exp.column("kind", quoted=True), exp.column("identifier", quoted=True))
    for row in engine.query_rows(query.from_(table)):
        found.setdefault(str(row["kind"]), []).append(str(row["identifier"]))
    return found


def suppress_staged(
    engine: WarehouseEngine,
    contract: type[DataContract],
    staging: exp.Table,
    contracts: Mapping[str, type[DataContract]],
) -> int:
    """Delete from a product's staging table the rows of erased people; their count.

    Write-audit-publish calls it before the audit, so no build publishes them again.
    """
    erased = suppressed(engine)
    key = contract.meta().key
    every = {**contracts, key: contract}
    conditions: list[exp.Expr] = []
    if erased.get("customer_id"):
        people = person_columns(every).get(key, ())
        conditions += [_in(c, erased["customer_id"]) for c in people]
    if erased.get("household_id"):
        households = household_columns(every).get(key, ())
        conditions += [_in(c, erased["household_id"]) for c in households]
    if not conditions:
        return 0
    target = Target(staging, exp.or_(*conditions), key)
    rows = _count(engine, target)
    if rows:
        engine.execute(exp.delete(staging.copy(), where=target.condition.copy()))
    return rows


def suppress_left_out(engine: WarehouseEngine, table: exp.Table) -> int:
    """Delete from a run's left-out staging table the rows naming an erased person (by
    their key or in the row itself); their count."""
    tokens = [value for values in suppressed(engine).values() for value in values]
    if not tokens:
        return 0
    condition = exp.or_(_mentions("row_key", tokens), _mentions("row_json", tokens))
    target = Target(table, condition, table.name)
    rows = _count(engine, target)
    if rows:
        engine.execute(exp.delete(table.copy(), where=condition.copy()))
    return rows


def suppress_landing(
    engine: WarehouseEngine,
    landing: Iterable[LandingColumn],
    erased: Sequence[str] | None = None,
) -> dict[str, int]:
    """Delete from the landing tables the source records of erased people (``erased``:
    their source identifiers, by default the engine's suppression list); rows per table."""
    if erased is None:
        erased = suppressed(engine).get("source_customer_id", [])
    removed: dict[str, int] = {}
    if not erased:
        return removed
    by_table: dict[str, set[str]] = {}
    for column in landing:
        by_table.setdefault(column.table, set()).add(column.column)
    for name, columns in sorted(by_table.items()):
        schema, table_name = name.split(".")
        table = engine.table_for(schema, table_name)
        if not engine.table_exists(table):
            continue
        target = Target(table, exp.or_(*(_in(c, erased) for c in sorted(columns))), name)
        rows = _count(engine, target)
        if rows:
            engine.execute(exp.delete(table.copy(), where=target.condition.copy()))
            removed[name] = rows
    return removed
