"""The rejects table of a product: the rows its runs left out, with the run and reason.

Every product that leaves rows out keeps them in an internal table of its domain,
``<domain>.<product>__left_out``, appended by write-audit-publish right after the
product is published. Its columns are one contract for every product
(:func:`left_out_contract`), so that its DDL, its inserts and the loading of a Python
product's left-out frame are derived like any product's (:mod:`mesh_platform.derive.ddl`,
:mod:`mesh_platform.derive.arrow`).

Example:
    >>> from mesh_platform.contract import DataContract, column
    >>> class Stay(DataContract, domain="demo", product="stays", register=False):
    ...     nights: int = column("Nights booked.")
    >>> rejects = left_out_contract(Stay)
    >>> rejects.meta().key, rejects.meta().access.value
    ('demo.stays__left_out', 'internal')
    >>> print(left_out_ddl(Stay, "duckdb", exp.table_("stays__left_out", db="demo")).sql())
    ... # doctest: +NORMALIZE_WHITESPACE
    CREATE TABLE demo.stays__left_out ("run_id" VARCHAR NOT NULL, "stage" VARCHAR NOT NULL,
    "reason" VARCHAR NOT NULL, "row_key" VARCHAR, "row_json" VARCHAR,
    "recorded_at" TIMESTAMP NOT NULL)
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from sqlglot import exp

from mesh_platform.contract import AccessLevel, Classification, DataContract, column
from mesh_platform.contract.columns import columns_of
from mesh_platform.derive.ddl import create_table
from mesh_platform.derive.sqltypes import Dialect

LEFT_OUT_SUFFIX = "__left_out"
"""Appended to a product's name for its rejects table."""


class LeftOutRow(DataContract):
    """One row a run of the product left out, with why."""

    run_id: str = column("The run that left the row out.")
    stage: str = column("The step of the product that left it out (a CTE of its SQL).")
    reason: str = column("Why: a kind of the reason vocabulary, optionally ':' and a detail.")
    row_key: str | None = column(
        "The key of the input row left out, if the product names it.", default=None
    )
    row_json: str | None = column("The row as the product saw it, as JSON.", default=None)
    recorded_at: dt.datetime = column("When the run recorded it (UTC).")


HELD_RATIONALE = (
    "holds an input row as it was received, which may carry any personal data of the "
    "product's sources"
)
"""Why the columns that keep a whole input row are classified (GDPR purpose)."""


def held_classification(contract: type[DataContract]) -> Classification:
    """How to classify a column that keeps a whole input row of ``contract``'s sources.

    At least direct PII (a source row may hold anything its landing table holds), and
    the product's own most sensitive class when that is higher.

    Example:
        >>> from mesh_platform.contract import DataContract, column
        >>> class Stay(DataContract, domain="demo", product="stays", register=False):
        ...     nights: int = column("Nights booked.")
        >>> held_classification(Stay).value
        'direct_pii'
    """
    return Classification.highest(
        [Classification.DIRECT_PII, *(spec.classification for spec in columns_of(contract))]
    )


def left_out_name(product: str) -> str:
    """The rejects table's name of ``product``."""
    return f"{product}{LEFT_OUT_SUFFIX}"


@cache
def left_out_contract(contract: type[DataContract]) -> type[DataContract]:
    """The contract of ``contract``'s rejects table (internal to its domain)."""
    meta = contract.meta()
    held = held_classification(contract)
    return type(
        "LeftOutRows",
        (LeftOutRow,),
        {
            "__doc__": f"The rows runs of {meta.key} left out, with the run and the reason.",
            "__annotations__": {"row_key": "str | None", "row_json": "str | None"},
            "row_key": column(
                "The key of the input row left out, if the product names it.",
                default=None,
                classification=Classification.highest([held, Classification.INDIRECT_PII]),
                rationale=HELD_RATIONALE,
            ),
            "row_json": column(
                "The row as the product saw it, as JSON.",
                default=None,
                classification=held,
                rationale=HELD_RATIONALE,
            ),
        },
        domain=meta.domain,
        product=left_out_name(meta.product),
        owner=meta.owner,
        access=AccessLevel.INTERNAL,
        tier="internal",
        register=False,
    )


def left_out_ddl(
    contract: type[DataContract],
    dialect: Dialect,
    table: exp.Table,
    *,
    enforce_not_null: bool = True,
) -> exp.Create:
    """``CREATE TABLE`` of ``contract``'s rejects table (or its staging table) at ``table``."""
    return create_table(
        left_out_contract(contract), dialect, table, enforce_not_null=enforce_not_null
    )


__all__ = [
    "HELD_RATIONALE",
    "LEFT_OUT_SUFFIX",
    "LeftOutRow",
    "held_classification",
    "left_out_contract",
    "left_out_ddl",
    "left_out_name",
]
