"""BigQuery, the production engine: one dataset per domain.

The client comes from dagster-gcp's :class:`~dagster_gcp.BigQueryResource` (project,
location and optional base64 service-account key, as in any Dagster deployment).
That resource builds ``bigquery.Client(project, location)`` and takes neither
credentials nor client options, so it always asks for Google's default credentials
and cannot talk to an emulator without them. When an emulator endpoint is given (or
``BIGQUERY_EMULATOR_HOST`` is set, the google-cloud-bigquery convention), the engine
builds the client itself, with anonymous credentials and that endpoint.

Staging tables live in the domain's dataset, typed by the contract's DDL without
``NOT NULL`` (so that the checks can count and sample offending rows), and expire on
their own after a day, so a crashed run leaves nothing behind for long.

Publishing replaces the target in one atomic statement, ``CREATE OR REPLACE TABLE
target (<contract DDL>) AS SELECT ... FROM staging``: the published table keeps the
contract's exact schema (``REQUIRED`` modes, descriptions, labels) whatever the staging
table's. A copy job with ``WRITE_TRUNCATE`` would be atomic too, but it gives the target
the staging table's schema (all ``NULLABLE``). A partition is replaced by one ``MERGE``
statement that deletes the partition's old rows and inserts the new ones.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from mesh_platform.engines.base import WarehouseEngine, checksum_of, is_staging_of
from mesh_platform.engines.googlesql import checksum_query, render
from mesh_platform.settings import EngineName, MeshSettings

if TYPE_CHECKING:
    from dagster_gcp import BigQueryResource
    from google.cloud import bigquery

log = logging.getLogger(__name__)

EMULATOR_HOST_VARIABLE = "BIGQUERY_EMULATOR_HOST"


class BigQueryEngine(WarehouseEngine):
    """The BigQuery warehouse of ``settings.gcp_project``.

    Args:
        settings: the settings in force (default :func:`get_settings`).
        resource: the dagster-gcp resource giving the client (default: one for the
            settings' project and location).
        endpoint: an emulator's URL; the client then uses anonymous credentials.
            Defaults to ``BIGQUERY_EMULATOR_HOST`` when set.
        client: a ready client (takes precedence over ``resource`` and ``endpoint``).
        staging_grace: leftover staging tables younger than this are left alone by
            :meth:`cleanup_staging`, as another run of the same product (another
            partition of a backfill) may still be using them.
        staging_expiry: staging tables expire on their own after this.
    """

    name = EngineName.BIGQUERY
    dialect = "bigquery"

    def __init__(
        self,
        settings: MeshSettings | None = None,
        *,
        resource: BigQueryResource | None = None,
        endpoint: str | None = None,
        client: bigquery.Client | None = None,
        staging_grace: dt.timedelta = dt.timedelta(hours=6),
        staging_expiry: dt.timedelta = dt.timedelta(days=1),
    ) -> None:
        super().__init__(settings)
        self.endpoint = endpoint or self.settings.bigquery_endpoint or None
        self._resource = resource
        self._client = client
        self.staging_grace = staging_grace
        self.staging_expiry = staging_expiry
        self._ensured: set[str] = set()

    @property
    def catalog(self) -> str:
        return self.settings.gcp_project

    @property
    def project(self) -> str:
        """The BigQuery project holding every domain dataset."""
        return self.settings.gcp_project

    def describe(self) -> str:
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"bigquery:{self.project}{where}"

    # -- the client

    @property
    def client(self) -> bigquery.Client:
        """The BigQuery client (built once per engine)."""
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def _build_client(self) -> bigquery.Client:
        from google.cloud import bigquery

        if self.endpoint:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials

            return bigquery.Client(
                project=self.project,
                location=self.settings.gcp_location,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=self.endpoint),
            )
        resource = self._resource
        if resource is None:
            from dagster_gcp import BigQueryResource

            resource = BigQueryResource(project=self.project, location=self.settings.gcp_location)
        with resource.get_client() as client:
            return client

    def _ref(self, table: exp.Table) -> str:
        """``project.dataset.table`` as the client API takes it."""
        return ".".join(part for part in (table.catalog or self.project, table.db, table.name))

    @contextmanager
    def session(self) -> Iterator[BigQueryEngine]:
        yield self

    # -- raw SQL

    def sql(self, expression: exp.Expr | str) -> str:
        """``expression`` in GoogleSQL as BigQuery and the emulator both read it
        (see :mod:`mesh_platform.engines.googlesql`); strings pass through."""
        if isinstance(expression, str):
            return expression
        return render(expression)

    def _job(self, statement: exp.Expr | str) -> Any:
        return self.client.query_and_wait(self.sql(statement))

    def ensure_schema(self, domain: str) -> None:
        from google.cloud import bigquery

        if domain in self._ensured:
            return
        dataset = bigquery.Dataset(f"{self.project}.{self.schema_for(domain)}")
        dataset.location = self.settings.gcp_location
        dataset.description = f"Data products of the {domain} domain."
        self.client.create_dataset(dataset, exists_ok=True)
        self._ensured.add(domain)

    def execute(self, statement: exp.Expr | str) -> None:
        self._job(statement)

    def query_rows(self, query: exp.Expr | str) -> list[dict[str, Any]]:
        return [dict(row.items()) for row in self._job(query)]

    def query_frame(self, query: exp.Expr | str) -> pd.DataFrame:
        return self._job(query).to_arrow(create_bqstorage_client=False).to_pandas()

    def query_batches(self, query: exp.Expr | str, *, rows: int) -> Iterator[pd.DataFrame]:
        import pyarrow as pa

        if rows < 1:
            raise ValueError(f"query_batches: a batch holds at least one row, not {rows}")
        result = self.client.query_and_wait(self.sql(query), page_size=rows)
        # one page of the result at a time, each converted as query_frame converts it
        for page in result.to_arrow_iterable(bqstorage_client=None):
            if page.num_rows:
                yield pa.Table.from_batches([page]).to_pandas()

    def table_exists(self, table: exp.Table) -> bool:
        from google.api_core.exceptions import NotFound

        try:
            self.client.get_table(self._ref(table))
        except NotFound:
            return False
        return True

    def list_tables(self, schema: str) -> list[str]:
        return sorted(item.table_id for item in self._list_table_items(schema))

    def _list_table_items(self, schema: str) -> list[Any]:
        from google.api_core.exceptions import NotFound

        try:
            return list(self.client.list_tables(f"{self.project}.{schema}"))
        except NotFound:
            return []

    def drop_table(self, table: exp.Table) -> None:
        self.client.delete_table(self._ref(table), not_found_ok=True)

    def cleanup_staging(self, domain: str, product: str) -> list[str]:
        """Drop the product's staging tables older than ``staging_grace``."""
        schema = self.schema_for(domain)
        cutoff = dt.datetime.now(dt.UTC) - self.staging_grace
        dropped: list[str] = []
        for item in self._list_table_items(schema):
            if not is_staging_of(item.table_id, product):
                continue
            created = item.created
            if created is not None and created > cutoff:
                continue
            self.drop_table(self.table_for(domain, item.table_id))
            dropped.append(item.table_id)
        return sorted(dropped)

    # -- writing

    def create_staging(self, create: exp.Create) -> None:
        """The staging table, expiring after ``staging_expiry``."""
        create = create.copy()
        expires = (dt.datetime.now(dt.UTC) + self.staging_expiry).replace(microsecond=0)
        option = exp.Property(
            this=exp.var("expiration_timestamp"),
            value=exp.cast(
                exp.Literal.string(expires.strftime("%Y-%m-%d %H:%M:%S+00")),
                exp.DataType.build("TIMESTAMPTZ"),
            ),
        )
        properties = create.args.get("properties")
        if isinstance(properties, exp.Properties):
            properties.append("expressions", option)
        else:
            create.set("properties", exp.Properties(expressions=[option]))
        self.execute(create)

    def load_arrow(self, table: exp.Table, rows: pa.Table) -> None:
        buffer = io.BytesIO()
        pq.write_table(rows, buffer)
        buffer.seek(0)
        self.load_parquet(table, buffer)

    def load_parquet(
        self,
        table: exp.Table,
        data: BinaryIO,
        *,
        schema: Mapping[str, str] | None = None,
        replace: bool = False,
    ) -> int:
        """Load Parquet ``data`` into ``table`` with one load job (not row inserts).

        Args:
            table: the destination, created when missing.
            data: a Parquet file's bytes.
            schema: the destination's columns and their GoogleSQL types, in order; the
                file's own types when not given.
            replace: replace the table's rows (``WRITE_TRUNCATE``) instead of appending.

        Returns:
            The rows the job loaded.
        """
        from google.cloud import bigquery

        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE
            if replace
            else bigquery.WriteDisposition.WRITE_APPEND,
        )
        if schema is not None:
            config.schema = [bigquery.SchemaField(name, kind) for name, kind in schema.items()]
        job = self.client.load_table_from_file(data, self._ref(table), job_config=config)
        job.result()
        return int(job.output_rows or 0)

    # -- publishing

    def replace_table(
        self,
        staging: exp.Table,
        target: exp.Table,
        *,
        create: Sequence[exp.Expr],
        insert: exp.Insert,
        swap: Sequence[exp.Expr] | None = None,
    ) -> None:
        """``CREATE OR REPLACE TABLE target (<contract DDL>) AS SELECT``, then drop staging
        (one statement, atomic; BigQuery has no transaction to rename in, ``swap`` is
        not used)."""
        for statement in self.replace_statements(create, insert):
            self.execute(statement)
        self._drop_staging(staging)

    def replace_rows(
        self,
        staging: exp.Table,
        target: exp.Table,
        *,
        where: exp.Condition,
        insert: exp.Insert,
    ) -> None:
        """One ``MERGE`` deleting the rows ``where`` selects and inserting staging's rows."""
        self.execute(self.merge_statement(staging, target, where=where, insert=insert))
        self._drop_staging(staging)

    def _drop_staging(self, staging: exp.Table) -> None:
        try:
            self.drop_table(staging)
        except Exception:  # published already; the table expires, or the next run drops it
            log.warning("could not drop %s", self.sql(staging), exc_info=True)

    @staticmethod
    def replace_statements(create: Sequence[exp.Expr], insert: exp.Insert) -> list[exp.Expr]:
        """``create`` with its ``CREATE TABLE`` made a ``CREATE TABLE ... AS SELECT``:
        the table keeps the contract's exact schema and takes the inserted rows."""
        statements = [statement.copy() for statement in create]
        (table,) = [s for s in statements if isinstance(s, exp.Create) and s.kind == "TABLE"]
        table.set("expression", insert.expression.copy())
        return statements

    @staticmethod
    def merge_statement(
        staging: exp.Table, target: exp.Table, *, where: exp.Condition, insert: exp.Insert
    ) -> exp.Merge:
        """One MERGE replacing the rows of ``target`` that ``where`` selects with ``staging``'s.

        ``ON FALSE`` matches nothing: target rows selected by ``where`` are deleted (not
        matched by source), every staging row is inserted (not matched).
        """
        schema = insert.this
        names = [column.name for column in schema.expressions]
        inside = where.copy()
        for column in inside.find_all(exp.Column):
            column.set("table", exp.to_identifier("_target"))
        return exp.Merge(
            this=target.copy().as_("_target"),
            using=staging.copy().as_("_source"),
            on=exp.false(),
            whens=exp.Whens(
                expressions=[
                    exp.When(
                        matched=False,
                        source=True,
                        condition=inside,
                        then=exp.var("DELETE"),
                    ),
                    exp.When(
                        matched=False,
                        source=False,
                        then=exp.Insert(
                            this=exp.Tuple(expressions=[exp.column(n) for n in names]),
                            expression=exp.Tuple(
                                expressions=[exp.column(n, table="_source") for n in names]
                            ),
                        ),
                    ),
                ]
            ),
        )

    # -- reading

    def table_checksum(self, table: exp.Table) -> str:
        bq_table = self.client.get_table(self._ref(table))
        signature = [(f.name, f.field_type, f.mode) for f in bq_table.schema]
        row = self.query_rows(checksum_query(table))[0]
        return checksum_of([signature, row["n"], row["high"], row["low"]])
