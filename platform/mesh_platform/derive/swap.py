"""Publishing a whole table by renaming its audited staging table: the statements.

Where the engine renames tables inside a transaction (DuckDB), replacing a published
table costs no copy of its rows: drop it and rename the staging table in its place.
The staging table has the contract's columns and types
(:func:`~mesh_platform.derive.ddl.create_table`) but no ``NOT NULL`` (so that the audit
can count the offending rows): those, and the descriptions, are declared on the renamed
table in the same transaction.
"""

from __future__ import annotations

import logging

from sqlglot import exp

from mesh_platform.contract import DataContract, columns_of
from mesh_platform.derive.ddl import comment_statements
from mesh_platform.derive.sqltypes import Dialect, check_dialect

_SQLGLOT_QUIRK = "Unsupported ALTER COLUMN syntax"
"""What sqlglot logs when it writes ``ALTER COLUMN ... SET NOT NULL``, which it writes
right: its check reads the ``allow_null=False`` it needs as a missing clause."""


class _SetNotNullIsSupported(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _SQLGLOT_QUIRK


logging.getLogger("sqlglot").addFilter(_SetNotNullIsSupported())


def swap_statements(
    contract: type[DataContract], dialect: Dialect, staging: exp.Table, target: exp.Table
) -> list[exp.Expression] | None:
    """The statements that make the audited ``staging`` table the product's ``target``
    by renaming it, where the engine can do so in one transaction (DuckDB), else
    ``None``: drop the target, rename staging, declare ``NOT NULL`` on the contract's
    non-nullable columns (staging has none, so that the audit can count the offending
    rows) and the descriptions. Staging has the contract's columns and types
    (:func:`create_table`); no row is copied.

    Example:
        >>> from mesh_platform.contract import DataContract, column
        >>> class Stay(DataContract, domain="demo", product="stays", register=False):
        ...     nights: int = column("Nights booked.")
        >>> staging = exp.table_("_staging__stays__r1", db="demo", quoted=True)
        >>> target = exp.table_("stays", db="demo", quoted=True)
        >>> for s in swap_statements(Stay, "duckdb", staging, target)[:3]:
        ...     print(s.sql("duckdb"))
        DROP TABLE IF EXISTS "demo"."stays"
        ALTER TABLE "demo"."_staging__stays__r1" RENAME TO "stays"
        ALTER TABLE "demo"."stays" ALTER COLUMN "nights" SET NOT NULL
        >>> swap_statements(Stay, "bigquery", staging, target) is None
        True
    """
    dialect = check_dialect(dialect)
    same_place = all(staging.args.get(part) == target.args.get(part) for part in ("db", "catalog"))
    if dialect != "duckdb" or not same_place:
        return None
    statements: list[exp.Expression] = [
        exp.Drop(tables=[target.copy()], kind="TABLE", exists=True),
        exp.Alter(
            this=staging.copy(),
            kind="TABLE",
            actions=[exp.AlterRename(this=exp.Table(this=target.this.copy()))],
        ),
    ]
    statements.extend(
        exp.Alter(
            this=target.copy(),
            kind="TABLE",
            actions=[
                exp.AlterColumn(this=exp.to_identifier(col.name, quoted=True), allow_null=False)
            ],
        )
        for col in columns_of(contract)
        if not col.nullable
    )
    statements.extend(comment_statements(contract, target))
    return statements
