"""A failed product, told in one or two lines.

When a product's query fails in the warehouse, or a Python product's function raises,
the user reads the product, where its logic lives (the SQL file, with the line when it
can be found reliably, or ``module.function``), the step that failed, the engine's own
message (its first meaningful line, not paraphrased), a hint when the cause is
recognisable (a table or a column the product reads that the warehouse lacks), and
that nothing was published. The full traceback stays in the run's logs and in the
OpenLineage FAIL event (its ``errorMessage`` facet).

Example:
    >>> failed = ProductFailed(
    ...     product="shop.orders", source="domains/shop/sql/orders.sql", line=12,
    ...     step="writing the staging table", engine="duckdb", table="shop.orders",
    ...     error='Binder Error: Referenced column "quantity" not found in FROM clause!',
    ...     hint="landing_shop.order_lines has no column quantity")
    >>> print(failed)
    shop.orders failed writing the staging table (domains/shop/sql/orders.sql, line 12): \
Binder Error: Referenced column "quantity" not found in FROM clause!
    landing_shop.order_lines has no column quantity; nothing was published, shop.orders \
is as it was.
"""

from __future__ import annotations

import re
from typing import Any

import dagster as dg
from sqlglot import exp
from sqlglot.dialects import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from mesh_platform.engines import WarehouseEngine
from mesh_platform.errors import ContractViolation, MeshError
from mesh_platform.landing import landing_sources
from mesh_platform.products.files import display_path
from mesh_platform.products.python import PythonProduct
from mesh_platform.products.sql import SqlProduct

Product = SqlProduct | PythonProduct

_DUCKDB_LINE = re.compile(r"^LINE (\d+): ?(.*)$")
_BIGQUERY_POSITION = re.compile(r"\s*at \[(\d+):(\d+)\]")
_MISSING_COLUMN = (
    re.compile(r'Referenced column "([^"]+)" not found'),
    re.compile(r'does not have a column named "([^"]+)"'),
    re.compile(r'Column "([^"]+)" referenced that exists in the SELECT clause'),
    re.compile(r"Unrecognized name: `?(\w+)`?"),
    re.compile(r"Name `?(\w+)`? not found inside"),
)
_MISSING_TABLE = (
    re.compile(r"Catalog Error: Table with name \S+ does not exist"),
    re.compile(r"Not found: (Table|Dataset) "),
)


class ProductFailed(MeshError):
    """A product's query or function failed; nothing was published.

    Attributes:
        product: ``domain.product``.
        source: the SQL file (relative to the repository when it is inside it), or
            ``module.function`` of a Python product.
        line: the line of the SQL file the engine's error points at, when it can be
            found reliably.
        step: what was being done (``writing the staging table``, ``running f``...).
        engine: the engine's name.
        error: the engine's (or the function's) own message, first meaningful line.
        table: the published table, left as it was.
        hint: the recognisable cause (a missing table or column), if any.
        engine_line: the line of the rendered statement the engine reported.
        statement: the rendered statement that failed, when there is one.
    """

    def __init__(
        self,
        *,
        product: str,
        source: str,
        step: str,
        engine: str,
        error: str,
        table: str,
        line: int | None = None,
        hint: str = "",
        engine_line: int | None = None,
        statement: str = "",
    ) -> None:
        self.product = product
        self.source = source
        self.line = line
        self.step = step
        self.engine = engine
        self.error = error
        self.table = table
        self.hint = hint
        self.engine_line = engine_line
        self.statement = statement
        super().__init__(self.message())

    def where(self) -> str:
        """The file and line, or the function, where the product's logic lives."""
        if self.line is not None:
            return f"{self.source}, line {self.line}"
        if self.engine_line is not None:
            return f"{self.source}; line {self.engine_line} of the statement the engine ran"
        return self.source

    def message(self) -> str:
        """Two lines: what failed where with the engine's words; the hint and the outcome."""
        outcome = f"nothing was published, {self.table} is as it was."
        second = f"{self.hint}; {outcome}" if self.hint else outcome[0].upper() + outcome[1:]
        return f"{self.product} failed {self.step} ({self.where()}): {self.error}\n{second}"

    def metadata(self) -> dict[str, Any]:
        """The failure's facts, as Dagster metadata."""
        data: dict[str, Any] = {
            "product": self.product,
            "file": self.source,
            "step": self.step,
            "engine": self.engine,
            "error": self.error,
            "table": self.table,
        }
        if self.line is not None:
            data["line"] = self.line
        if self.engine_line is not None:
            data["engine_line"] = self.engine_line
        if self.hint:
            data["hint"] = self.hint
        if self.statement:
            data["statement"] = dg.MetadataValue.md(f"```sql\n{self.statement}\n```")
        return data

    def failure(self) -> dg.Failure:
        """The Dagster failure the asset raises: its description is :meth:`message`."""
        return dg.Failure(description=self.message(), metadata=self.metadata())


# --- shaping a failure ------------------------------------------------------------------------


def sql_failure(
    product: SqlProduct,
    engine: WarehouseEngine,
    error: BaseException,
    *,
    step: str,
    statement: str = "",
) -> ProductFailed:
    """The failure of a SQL product's query, with its line in the SQL file if found."""
    message = first_line(error)
    engine_line, fragment = engine_position(error, statement)
    source = _source_text(product)
    line = source_line(source, fragment, engine.dialect) if fragment else None
    column = missing_column(message)
    if line is None and column:
        line = column_line(source, column)
    return ProductFailed(
        product=product.contract.meta().key,
        source=display_path(product.path),
        line=line,
        step=step,
        engine=engine.name.value,
        error=message,
        table=_published(engine, product),
        hint=hint(product, engine, message),
        engine_line=engine_line,
        statement=statement,
    )


def python_failure(
    product: PythonProduct,
    engine: WarehouseEngine,
    error: BaseException,
    *,
    step: str,
    engine_error: bool = False,
) -> ProductFailed:
    """The failure of a Python product: its function raised, or returned a frame the
    contract refuses, or an input could not be read (``engine_error``: the warehouse's
    own message, kept as it is)."""
    if isinstance(error, ContractViolation):
        message = "; ".join(f.line() for f in error.failures)
    else:
        message = first_line(error)
        if not engine_error and not message.startswith(type(error).__name__):
            message = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return ProductFailed(
        product=product.contract.meta().key,
        source=function_name(product),
        step=step,
        engine=engine.name.value,
        error=message,
        table=_published(engine, product),
        hint=hint(product, engine, message),
    )


def function_name(product: PythonProduct) -> str:
    """``module.function`` of a Python product."""
    return f"{product.fn.__module__}.{product.fn.__qualname__}"


def first_line(error: BaseException) -> str:
    """The engine's own message, first meaningful line (BigQuery: its error's message,
    without the position, which is reported apart)."""
    errors = getattr(error, "errors", None)
    if errors and isinstance(errors, list) and isinstance(errors[0], dict):
        text = str(errors[0].get("message") or "")
    else:
        text = str(getattr(error, "message", "") or "") or str(error)
    for line in text.splitlines():
        if line.strip():
            return _BIGQUERY_POSITION.sub("", line.strip())
    return ""


def engine_position(error: BaseException, statement: str) -> tuple[int | None, str]:
    """The line of the rendered statement the engine points at, and the text there.

    DuckDB quotes the line (``LINE n: ...``) and underlines the offending text with
    carets; BigQuery gives ``at [line:column]`` in its message.
    """
    lines = str(error).splitlines()
    for i, text in enumerate(lines):
        found = _DUCKDB_LINE.match(text)
        if found and i + 1 < len(lines):
            carets = lines[i + 1]
            start = carets.find("^")
            if start < 0:
                return int(found.group(1)), ""
            end = len(carets.rstrip())
            return int(found.group(1)), text[start:end]
    position = _BIGQUERY_POSITION.search(str(error))
    if position is None:
        return None, ""
    line, column = int(position.group(1)), int(position.group(2))
    rendered = statement.splitlines()
    if not 0 < line <= len(rendered):
        return line, ""
    return line, _reference_at(rendered[line - 1][column - 1 :], "bigquery")


def source_line(source: str, fragment: str, dialect: str) -> int | None:
    """The line of ``source`` (the product's GoogleSQL) holding ``fragment`` (text of
    the rendered statement), when the fragment's tokens appear there on one line only;
    ``None`` otherwise (no guess)."""
    wanted = _tokens(fragment, dialect)
    if not wanted:
        return None
    tokens = _tokens(source, "bigquery", keep=True)
    names = [_norm(t) for t in tokens]
    candidates = [wanted]
    if len(wanted) > 2 and wanted[-2].token_type is TokenType.ALIAS:
        candidates.append(wanted[:-2])  # a table's alias the platform wrote for it
    for candidate in list(candidates):
        if len(candidate) == 5 and all(t.token_type in _NAMES for t in candidate[::2]):
            candidates.append(candidate[2:])  # BigQuery's project: the file names none
    matches: set[int] = set()
    for candidate in candidates:
        target = [_norm(t) for t in candidate]
        matches = {
            tokens[i].line
            for i in range(len(tokens) - len(target) + 1)
            if names[i : i + len(target)] == target and _alone(tokens, i, i + len(target))
        }
        if matches:
            break
    return matches.pop() if len(matches) == 1 else None


def column_line(source: str, column: str) -> int | None:
    """The line of ``source`` where ``column`` is read, when every reference to it
    (bare or qualified, aliases it defines aside) is on that one line; else ``None``."""
    tokens = _tokens(source, "bigquery", keep=True)
    lines = {
        token.line
        for i, token in enumerate(tokens)
        if token.token_type in _NAMES
        and token.text.lower() == column.lower()
        and (i == 0 or tokens[i - 1].token_type is not TokenType.ALIAS)
        and (i + 1 == len(tokens) or tokens[i + 1].token_type is not TokenType.DOT)
    }
    return lines.pop() if len(lines) == 1 else None


def missing_column(message: str) -> str:
    """The column an engine's message says is missing, or ``""``."""
    for pattern in _MISSING_COLUMN:
        found = pattern.search(message)
        if found:
            return found.group(1)
    return ""


# --- recognisable causes ----------------------------------------------------------------------


def hint(product: Product, engine: WarehouseEngine, message: str) -> str:
    """A table or a column the product reads that the warehouse lacks, named; else ``""``."""
    try:
        if any(p.search(message) for p in _MISSING_TABLE):
            missing = [t for t in _tables_read(product) if not _exists(engine, t)]
            if missing:
                return f"{', '.join(missing)} missing from the warehouse"
        column = missing_column(message)
        if column:
            lacking = [t for t in _tables_with(product, column) if _lacks(engine, t, column)]
            if lacking:
                return f"{' and '.join(lacking)} has no column {column} (the product reads it)"
    except Exception:  # a hint is a courtesy: never hide the failure behind another one
        return ""
    return ""


def _tables_read(product: Product) -> list[str]:
    if isinstance(product, SqlProduct):
        return [u.key for u in product.upstreams]
    return list(product.upstream_products)


def _tables_with(product: Product, column: str) -> list[str]:
    """The tables the product reads that should hold ``column`` (by its column lineage,
    or the landing zone's manifest)."""
    named: list[str] = []
    if isinstance(product, SqlProduct):
        for sources in product.column_lineage.values():
            named += [table for table, name in sources if name.lower() == column.lower()]
    meta = product.contract.meta()
    for schema, tables in landing_sources(meta.domain).items():
        for table, columns in tables.items():
            if column.lower() in (c.lower() for c in columns):
                named.append(f"{schema}.{table}")
    read = set(_tables_read(product))
    return [t for t in dict.fromkeys(named) if t in read]


def _table(engine: WarehouseEngine, key: str) -> exp.Table:
    schema, name = key.split(".", 1)
    return engine.table_for(schema, name)


def _exists(engine: WarehouseEngine, key: str) -> bool:
    return engine.table_exists(_table(engine, key))


def _lacks(engine: WarehouseEngine, key: str, column: str) -> bool | None:
    """Whether the table exists without ``column`` (``None``: the table is missing)."""
    table = _table(engine, key)
    if not engine.table_exists(table):
        return None
    columns = engine.query_frame(exp.select(exp.Star()).from_(table).limit(0)).columns
    return column.lower() not in (str(c).lower() for c in columns)


def _published(engine: WarehouseEngine, product: Product) -> str:
    meta = product.contract.meta()
    return ".".join(part.name for part in engine.table_for(meta.domain, meta.product).parts)


def _source_text(product: SqlProduct) -> str:
    try:
        return product.path.read_text()
    except OSError:
        return product.sql


# --- tokens -----------------------------------------------------------------------------------


def _tokens(text: str, dialect: str, *, keep: bool = False) -> list[Token]:
    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(text)
    except SqlglotError:
        return []
    if not keep and not any(t.token_type in _NAMES for t in tokens):
        return []  # nothing to find the fragment by (no table or column named)
    return tokens


_NAMES = {TokenType.VAR, TokenType.IDENTIFIER}


def _alone(tokens: list[Token], start: int, end: int) -> bool:
    """Whether ``tokens[start:end]`` is a whole reference: not part of a longer dotted
    name, and not an alias being defined (``AS name``)."""
    before = tokens[start - 1].token_type if start > 0 else None
    after = tokens[end].token_type if end < len(tokens) else None
    return before not in (TokenType.DOT, TokenType.ALIAS) and after is not TokenType.DOT


def _norm(token: Token) -> tuple[bool, str]:
    return token.token_type is TokenType.STRING, token.text.lower()


def _reference_at(text: str, dialect: str) -> str:
    """The name (``a.b.c``) at the start of ``text``, or ``""``."""
    tokens = _tokens(text, dialect)
    chain: list[Token] = []
    for token in tokens:
        expect_name = not chain or chain[-1].token_type is TokenType.DOT
        if (expect_name and token.token_type in _NAMES) or (
            not expect_name and token.token_type is TokenType.DOT
        ):
            chain.append(token)
        else:
            break
    return ".".join(_quoted(t.text) for t in chain if t.token_type is not TokenType.DOT)


def _quoted(name: str) -> str:
    return f"`{name}`"
