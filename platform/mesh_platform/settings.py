"""The environment, decided in exactly one place.

Everything that depends on where the mesh runs (which engine, which state folder,
which BigQuery project and datasets) reads :func:`get_settings`. Values come from
``MESH_*`` environment variables, with the local defaults below.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    LOCAL = "local"
    BRANCH = "branch"
    PROD = "prod"


class EngineName(StrEnum):
    DUCKDB = "duckdb"
    BIGQUERY = "bigquery"


class DagsterStorage(StrEnum):
    """Where the local Dagster instance (``mesh build``, ``mesh dev``) keeps its runs."""

    SQLITE = "sqlite"
    POSTGRES = "postgres"


def _default_state_dir() -> Path:
    return Path.cwd() / ".mesh"


class MeshSettings(BaseSettings):
    """Where and on what the mesh runs."""

    model_config = SettingsConfigDict(env_prefix="MESH_", extra="ignore", populate_by_name=True)

    env: Environment = Field(Environment.LOCAL, description="local, branch or prod.")
    engine: EngineName | None = Field(
        None, description="Warehouse engine; defaults to duckdb locally, bigquery otherwise."
    )
    state_dir: Path = Field(
        default_factory=_default_state_dir,
        description="Local state: DuckDB file, Dagster home, lineage file.",
    )
    duckdb_path: Path | None = Field(None, description="DuckDB file; default in state_dir.")
    gcp_project: str = Field("trident-local", description="BigQuery project.")
    gcp_location: str = Field("EU", description="BigQuery location.")
    dataset_prefix: str = Field("", description="Prefix of every domain dataset (branches).")
    branch: str | None = Field(None, description="Branch name, in the branch environment.")
    bigquery_endpoint: str | None = Field(
        None,
        validation_alias=AliasChoices("MESH_BIGQUERY_ENDPOINT", "BIGQUERY_EMULATOR_HOST"),
        description="A BigQuery emulator's URL (the google-cloud convention's variable too).",
    )
    seed: int = Field(
        20240101, description="Seed of the local simulation and of the models' samples and fits."
    )
    bigquery_emulator_python: Path | None = Field(
        None,
        description="A Python 3.13 for the local BigQuery emulator, tried before any other.",
    )
    dagster_storage: DagsterStorage = Field(
        DagsterStorage.SQLITE,
        description="The local Dagster instance's storage: sqlite files in the state folder, "
        "or postgres, a local PostgreSQL server and production's instance configuration "
        "(deploy/dagster/dagster.yaml).",
    )
    directory_url: str | None = Field(
        None,
        description="The company directory (ldap:// or ldaps://) mesh query authenticates "
        "people against; locally, the sandbox's server (written in the state folder).",
    )
    directory_users: str | None = Field(None, description="The directory's people subtree.")
    directory_groups: str | None = Field(None, description="The directory's groups subtree.")
    directory_bind_dn: str | None = Field(
        None, description="The platform's read-only service account in the directory."
    )
    directory_bind_password: SecretStr | None = Field(
        None, description="The service account's password."
    )
    masking_key: SecretStr | None = Field(
        None,
        description="The deployment's key of masked columns (16 to 64 bytes); locally a "
        "key file in the state folder.",
    )
    access_policy: Path | None = Field(
        None, description="Another access policy file than contracts/access_policy.yaml."
    )
    access_audit_log: Path | None = Field(
        None, description="The audit log of queries; default in state_dir."
    )
    duckdb_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="DuckDB worker threads, every core by default. Two builds from one seed "
        "publish the same bits on any number: products add up sums and averages exactly "
        "(mesh_platform.products.sql.exact_sums), Python products get their rows in a "
        "fixed order.",
    )

    duckdb_memory_limit: str = Field(
        "1GB",
        description="The most memory DuckDB's buffers take (DuckDB's memory_limit, e.g. "
        "'1GB'); beyond it, joins, sorts and aggregations spill to the temporary folder "
        "beside the warehouse. DuckDB's own default, 80% of the machine, let one build take "
        "gigabytes it did not need.",
    )
    duckdb_frame_memory_limit: str = Field(
        "256MB",
        description="The most memory DuckDB's buffers take while rows move between the "
        "warehouse and Python frames (a Python product's inputs, the simulated landing "
        "tables): the process's memory then goes to the frames. With the session's limit, "
        "a read's sorted result could hold a gigabyte beside its Arrow and pandas copies; "
        "beyond this one, the sort spills to disk.",
    )

    @property
    def engine_name(self) -> EngineName:
        """The engine in force: explicit, else DuckDB locally and BigQuery elsewhere."""
        if self.engine is not None:
            return self.engine
        return EngineName.DUCKDB if self.env is Environment.LOCAL else EngineName.BIGQUERY

    @property
    def warehouse_path(self) -> Path:
        return self.duckdb_path or self.state_dir / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        """The published read replica of the DuckDB warehouse (a manifest and Parquet files),
        which readers in other processes read while builds publish."""
        return self.state_dir / "published"

    @property
    def lineage_path(self) -> Path:
        return self.state_dir / "lineage" / "events.jsonl"

    @property
    def dagster_home(self) -> Path:
        """The local Dagster instance's folder: one per storage, so that switching storage
        never mixes two instances."""
        if self.dagster_storage is DagsterStorage.POSTGRES:
            return self.postgres_dir / "dagster_home"
        return self.state_dir / "dagster_home"

    @property
    def postgres_dir(self) -> Path:
        """The local PostgreSQL server's cluster, password and run files."""
        return self.state_dir / "postgres"

    @property
    def bigquery_emulator_dir(self) -> Path:
        """The local BigQuery emulator's virtualenv, HOME, data and run files."""
        return self.state_dir / "bigquery-emulator"

    @property
    def tools_dir(self) -> Path:
        """Local tools (``deploy/local/run`` installs the pinned uv in ``.mesh/tools``)."""
        return self.state_dir / "tools"

    def dataset_for(self, domain: str) -> str:
        """The schema (DuckDB) or dataset (BigQuery) that holds a domain's products."""
        prefix = self.dataset_prefix
        if self.env is Environment.BRANCH and self.branch and not prefix:
            prefix = f"{self.branch.replace('-', '_')}__"
        return f"{prefix}{domain}"


@lru_cache(maxsize=1)
def get_settings() -> MeshSettings:
    """The settings in force (read once per process; tests may clear the cache)."""
    return MeshSettings()
