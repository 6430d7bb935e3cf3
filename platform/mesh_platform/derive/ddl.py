"""CREATE TABLE statements and BigQuery table schemas derived from a contract.

Everything here is a pure function of the contract: the SQL is built as sqlglot
expressions with quoted identifiers, then printed for one dialect.

* DuckDB (local engine): ``CREATE TABLE`` with the contract's column types and
  ``NOT NULL``, then ``COMMENT ON TABLE`` / ``COMMENT ON COLUMN`` statements carrying
  the descriptions. No ``PRIMARY KEY``: DuckDB enforces it at insert time (and
  over-eagerly inside a transaction that deletes then re-inserts a key), which would
  make a write-audit-publish load fail before the grain check can report which keys
  are duplicated. The grain is checked by :mod:`mesh_platform.derive.checks`.
* BigQuery (production): ``CREATE TABLE`` with ``OPTIONS(description=...)`` per column,
  ``PRIMARY KEY (...) NOT ENFORCED`` for the grain, and table ``OPTIONS`` holding the
  description and labels (domain, product, contract version, access, tier, owner).

Write-audit-publish: ``NOT NULL`` (BigQuery mode ``REQUIRED``) is enforced by both
engines when rows are written. A staging table is created with
``enforce_not_null=False`` so that rows with a NULL where the contract forbids one are
loaded and reported by the ``not_null`` check (with sample keys) instead of failing the
load; the published table keeps the contract's ``NOT NULL``.

Policy tags (BigQuery column-level access control) cannot be set by DDL. The
PII columns' policy tags are carried by :func:`bigquery_schema` as placeholders
following :data:`POLICY_TAG_TEMPLATE`; an engine fills them with
:func:`fill_policy_tags` (or builds the names with :func:`policy_tag_names`) and
applies them with ``client.update_table(table, ["schema"])`` after the table exists.
The BigQuery DDL marks each PII column with a comment naming its policy tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlglot import exp

from mesh_platform.contract import Classification, ColumnSpec, DataContract, columns_of
from mesh_platform.derive.sqltypes import Dialect, bigquery_field_type, check_dialect, sql_type

if TYPE_CHECKING:  # the client library costs a second to import: loaded where it is used
    from google.cloud import bigquery

POLICY_TAG_TEMPLATE = (
    "projects/{project}/locations/{location}/taxonomies/{taxonomy}/policyTags/{policy_tag}"
)
"""A policy tag's resource name; ``{policy_tag}`` is a classification unless mapped."""

BIGQUERY_COLUMN_DESCRIPTION_MAX = 1024
BIGQUERY_TABLE_DESCRIPTION_MAX = 16384
_LABEL_MAX = 63


def product_table(
    contract: type[DataContract],
    *,
    schema: str | None = None,
    name: str | None = None,
    catalog: str | None = None,
) -> exp.Table:
    """The table of a product: ``[catalog.]schema.name``, identifiers quoted.

    Args:
        contract: the product's contract.
        schema: schema (DuckDB) or dataset (BigQuery); defaults to the product's domain.
        name: table name; defaults to the product's name (e.g. a staging name for WAP).
        catalog: DuckDB database or BigQuery project, if the table must name one.

    Example:
        >>> from mesh_platform.contract import DataContract, column
        >>> class Village(DataContract, domain="resorts", product="villages",
        ...               grain=("village_id",), register=False):
        ...     '''One row per village.'''
        ...     village_id: str = column("Village code.")
        >>> product_table(Village).sql("bigquery")
        '`resorts`.`villages`'
        >>> product_table(Village, name="villages__staging").sql("duckdb")
        '"resorts"."villages__staging"'
    """
    meta = contract.meta()
    return exp.table_(
        name or meta.product,
        db=schema or meta.domain,
        catalog=catalog,
        quoted=True,
    )


def create_table(
    contract: type[DataContract],
    dialect: Dialect,
    table: exp.Table | None = None,
    *,
    replace: bool = False,
    enforce_not_null: bool = True,
) -> exp.Create:
    """The ``CREATE TABLE`` statement of a product in ``dialect``.

    Args:
        contract: the product's contract.
        dialect: ``"duckdb"`` or ``"bigquery"``.
        table: where to create it; defaults to :func:`product_table`.
        replace: ``CREATE OR REPLACE TABLE``.
        enforce_not_null: declare ``NOT NULL`` on the contract's non-nullable columns;
            pass ``False`` for a write-audit-publish staging table (see the module doc).

    Descriptions are part of this statement on BigQuery (``OPTIONS``); on DuckDB they
    are separate statements, see :func:`comment_statements` and :func:`ddl_sql`.
    """
    dialect = check_dialect(dialect)
    meta = contract.meta()
    target = table if table is not None else product_table(contract)
    columns = columns_of(contract)
    definitions: list[exp.Expression] = [
        _column_def(col, dialect, enforce_not_null=enforce_not_null) for col in columns
    ]
    properties: exp.Properties | None = None
    if dialect == "bigquery":
        if meta.grain:
            definitions.append(
                exp.PrimaryKey(
                    expressions=[exp.to_identifier(key, quoted=True) for key in meta.grain],
                    options=["NOT ENFORCED"],
                )
            )
        options: list[exp.Expression] = []
        if meta.description:
            options.append(
                _option("description", _literal(meta.description, BIGQUERY_TABLE_DESCRIPTION_MAX))
            )
        options.append(
            exp.Property(
                this=exp.var("labels"),
                value=exp.Array(
                    expressions=[
                        exp.Tuple(expressions=[exp.Literal.string(k), exp.Literal.string(v)])
                        for k, v in bigquery_labels(contract).items()
                    ]
                ),
            )
        )
        properties = exp.Properties(expressions=options)
    return exp.Create(
        this=exp.Schema(this=target.copy(), expressions=definitions),
        kind="TABLE",
        replace=replace,
        properties=properties,
    )


def comment_statements(contract: type[DataContract], table: exp.Table) -> list[exp.Comment]:
    """DuckDB ``COMMENT ON TABLE`` / ``COMMENT ON COLUMN`` statements for the descriptions."""
    meta = contract.meta()
    statements: list[exp.Comment] = []
    if meta.description:
        statements.append(
            exp.Comment(
                this=table.copy(), kind="TABLE", expression=exp.Literal.string(meta.description)
            )
        )
    for col in columns_of(contract):
        if not col.description:
            continue
        parts = table.copy()
        target = exp.Column(
            this=exp.to_identifier(col.name, quoted=True),
            table=parts.args.get("this"),
            db=parts.args.get("db"),
            catalog=parts.args.get("catalog"),
        )
        statements.append(
            exp.Comment(this=target, kind="COLUMN", expression=exp.Literal.string(col.description))
        )
    return statements


def create_schema(table: exp.Table) -> exp.Create | None:
    """``CREATE SCHEMA IF NOT EXISTS`` for the schema (dataset) of ``table``, if it names one."""
    parts = table.copy()
    schema = parts.args.get("db")
    if schema is None:
        return None
    return exp.Create(
        this=exp.Table(this=schema, db=parts.args.get("catalog")),
        kind="SCHEMA",
        exists=True,
    )


def ddl_statements(
    contract: type[DataContract],
    dialect: Dialect,
    table: exp.Table | None = None,
    *,
    replace: bool = False,
    enforce_not_null: bool = True,
    with_schema: bool = True,
) -> list[exp.Expression]:
    """Every statement that creates a product's table in ``dialect``, in order.

    ``CREATE SCHEMA IF NOT EXISTS`` (unless ``with_schema=False``), ``CREATE TABLE``
    and, on DuckDB, the ``COMMENT ON`` statements.
    """
    dialect = check_dialect(dialect)
    target = table if table is not None else product_table(contract)
    statements: list[exp.Expression] = []
    schema = create_schema(target) if with_schema else None
    if schema is not None:
        statements.append(schema)
    statements.append(
        create_table(contract, dialect, target, replace=replace, enforce_not_null=enforce_not_null)
    )
    if dialect == "duckdb":
        statements.extend(comment_statements(contract, target))
    return statements


def ddl_sql(
    contract: type[DataContract],
    dialect: Dialect,
    *,
    schema: str | None = None,
    name: str | None = None,
    catalog: str | None = None,
    replace: bool = False,
    enforce_not_null: bool = True,
    with_schema: bool = True,
) -> str:
    """The DDL script of a product in ``dialect``: pretty statements, each ending with ``;``.

    ``schema``, ``name`` and ``catalog`` locate the table as in :func:`product_table`;
    the other keywords are those of :func:`ddl_statements`.
    """
    dialect = check_dialect(dialect)
    table = product_table(contract, schema=schema, name=name, catalog=catalog)
    statements = ddl_statements(
        contract,
        dialect,
        table,
        replace=replace,
        enforce_not_null=enforce_not_null,
        with_schema=with_schema,
    )
    return "\n\n".join(f"{s.sql(dialect=dialect, pretty=True)};" for s in statements) + "\n"


def column_types(contract: type[DataContract], dialect: Dialect) -> dict[str, exp.DataType]:
    """The contract's column types in ``dialect``, as its ``CREATE TABLE`` declares them.

    Example:
        >>> from mesh_platform.contract import DataContract, column
        >>> class Stay(DataContract, domain="demo", product="stays", register=False):
        ...     nights: int = column("Nights booked.")
        >>> column_types(Stay, "bigquery")["nights"].sql("bigquery")
        'INT64'
    """
    schema = create_table(contract, dialect).this
    found: dict[str, exp.DataType] = {}
    if isinstance(schema, exp.Schema):
        for definition in schema.expressions:
            if isinstance(definition, exp.ColumnDef):
                kind = definition.args.get("kind")
                if isinstance(kind, exp.DataType):
                    found[definition.name] = kind
    return found


def insert_from(
    contract: type[DataContract],
    dialect: Dialect,
    table: exp.Table,
    source: exp.Query | exp.Table | str,
) -> exp.Insert:
    """``INSERT INTO table (cols) SELECT CAST(col AS type) ... FROM (source)``.

    Each output column is cast to the contract's type in ``dialect``, in the contract's
    order; columns of ``source`` the contract does not name are left out. A string
    ``source`` is a query in ``dialect``.

    Example:
        >>> from mesh_platform.contract import DataContract, column
        >>> class Stay(DataContract, domain="demo", product="stays", register=False):
        ...     nights: int = column("Nights booked.")
        >>> insert = insert_from(Stay, "duckdb", exp.table_("stays"), exp.table_("staging"))
        >>> insert.sql("duckdb")
        'INSERT INTO stays (nights) SELECT CAST(src.nights AS BIGINT) AS nights FROM staging AS src'
    """
    types = column_types(contract, dialect)
    relation: exp.Expr
    if isinstance(source, exp.Table):
        relation = source.copy().as_("src")
    else:
        query = exp.maybe_parse(source, dialect=dialect)
        if not isinstance(query, exp.Query):
            raise TypeError(f"not a query: {query.sql(dialect=dialect, identify=True)}")
        relation = query.subquery("src")
    names = list(types)
    select = exp.select(
        *(exp.cast(exp.column(name, table="src"), types[name].copy()).as_(name) for name in names)
    ).from_(relation)
    return exp.insert(select, table.copy(), columns=names, copy=False)  # all of it is fresh


# --- BigQuery -------------------------------------------------------------------------------


def bigquery_labels(contract: type[DataContract]) -> dict[str, str]:
    """The BigQuery table labels of a product (keys and values in label syntax).

    Example:
        >>> from mesh_platform.contract import DataContract, Owner, column
        >>> class Village(DataContract, domain="resorts", product="villages",
        ...               version="1.2.0", owner=Owner(team="Village Ops", contact="v@x.io"),
        ...               grain=("village_id",), register=False):
        ...     '''One row per village.'''
        ...     village_id: str = column("Village code.")
        >>> bigquery_labels(Village)["contract_version"]
        '1-2-0'
        >>> bigquery_labels(Village)["owner"]
        'village-ops'
    """
    meta = contract.meta()
    labels = {
        "domain": meta.domain,
        "product": meta.product,
        "contract_version": meta.version,
        "access": meta.access.value,
        "tier": meta.tier,
    }
    if meta.owner is not None:
        labels["owner"] = meta.owner.team
    return {key: _label(value) for key, value in labels.items()}


def policy_tag_placeholders(contract: type[DataContract]) -> dict[str, str]:
    """PII column → policy tag name with ``{project}``, ``{location}``, ``{taxonomy}`` left open.

    The last segment is the column's classification (``indirect_pii``, ``direct_pii``,
    ``sensitive``).
    """
    return {
        col.name: POLICY_TAG_TEMPLATE.replace("{policy_tag}", col.classification.value)
        for col in columns_of(contract)
        if col.is_pii
    }


def policy_tag_names(
    contract: type[DataContract],
    project: str,
    location: str,
    taxonomy: str,
    policy_tags: Mapping[Classification, str] | None = None,
) -> dict[str, str]:
    """PII column → full policy tag resource name in the given taxonomy.

    Args:
        contract: the product's contract.
        project, location, taxonomy: where the taxonomy lives (taxonomy id).
        policy_tags: the policy tag id of each classification in that taxonomy
            (BigQuery assigns numeric ids); by default the classification's value.
    """
    tags = dict(policy_tags or {})
    return {
        col.name: POLICY_TAG_TEMPLATE.format(
            project=project,
            location=location,
            taxonomy=taxonomy,
            policy_tag=tags.get(col.classification, col.classification.value),
        )
        for col in columns_of(contract)
        if col.is_pii
    }


def bigquery_schema(
    contract: type[DataContract], *, enforce_not_null: bool = True
) -> list[bigquery.SchemaField]:
    """The BigQuery API schema of a product, with policy-tag placeholders on PII columns.

    Mode is ``REQUIRED`` for non-nullable columns (``NULLABLE`` for all when
    ``enforce_not_null=False``, for a staging table); descriptions are the contract's.
    PII columns carry ``PolicyTagList`` names from :func:`policy_tag_placeholders`, to be
    filled with :func:`fill_policy_tags` before the schema is sent to BigQuery.
    """
    from google.cloud import bigquery

    placeholders = policy_tag_placeholders(contract)
    fields: list[bigquery.SchemaField] = []
    for col in columns_of(contract):
        required = enforce_not_null and not col.nullable
        tag = placeholders.get(col.name)
        fields.append(
            bigquery.SchemaField(
                col.name,
                bigquery_field_type(col.logical_type),
                mode="REQUIRED" if required else "NULLABLE",
                description=col.description[:BIGQUERY_COLUMN_DESCRIPTION_MAX],
                policy_tags=bigquery.PolicyTagList(names=[tag]) if tag else None,
            )
        )
    return fields


def fill_policy_tags(
    schema: Sequence[bigquery.SchemaField],
    project: str,
    location: str,
    taxonomy: str,
    policy_tags: Mapping[Classification, str] | None = None,
) -> list[bigquery.SchemaField]:
    """``schema`` with its policy-tag placeholders filled (other fields unchanged).

    Args:
        schema: a schema from :func:`bigquery_schema`.
        project, location, taxonomy: where the taxonomy lives.
        policy_tags: the policy tag id of each classification (see :func:`policy_tag_names`).
    """
    from google.cloud import bigquery

    tags = {Classification(k).value: v for k, v in (policy_tags or {}).items()}

    def fill(name: str) -> str:
        head, _, last = name.rpartition("/")
        if not head:
            return name
        return f"{head}/{tags.get(last, last)}".format(
            project=project, location=location, taxonomy=taxonomy
        )

    filled: list[bigquery.SchemaField] = []
    for field in schema:
        names = list(field.policy_tags.names) if field.policy_tags is not None else []
        if not names:
            filled.append(field)
            continue
        api = field.to_api_repr()
        api["policyTags"] = {"names": [fill(name) for name in names]}
        filled.append(bigquery.SchemaField.from_api_repr(api))
    return filled


# --- internals ------------------------------------------------------------------------------


def _column_def(col: ColumnSpec, dialect: Dialect, *, enforce_not_null: bool) -> exp.ColumnDef:
    constraints: list[exp.ColumnConstraint] = []
    if enforce_not_null and not col.nullable:
        constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    if dialect == "bigquery" and col.description:
        constraints.append(
            exp.ColumnConstraint(
                kind=exp.Properties(
                    expressions=[
                        _option(
                            "description",
                            _literal(col.description, BIGQUERY_COLUMN_DESCRIPTION_MAX),
                        )
                    ]
                )
            )
        )
    definition = exp.ColumnDef(
        this=exp.to_identifier(col.name, quoted=True),
        kind=sql_type(col.logical_type, dialect),
        constraints=constraints,
    )
    if dialect == "bigquery" and col.is_pii:
        definition.add_comments(
            [f"policy tag: {col.classification.value} (applied through the API, not DDL)"]
        )
    return definition


def _option(name: str, value: exp.Expression) -> exp.Property:
    return exp.Property(this=exp.var(name), value=value)


def _literal(text: str, limit: int) -> exp.Literal:
    return exp.Literal.string(text[:limit])


def _label(value: str) -> str:
    """A BigQuery label value: lower case letters, digits, ``_`` and ``-``, at most 63."""
    text = value.strip().lower().replace(".", "-")
    text = re.sub(r"[^a-z0-9_-]+", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-")
    return text[:_LABEL_MAX]
