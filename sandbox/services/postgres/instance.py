"""The local Dagster instance on PostgreSQL: production's instance configuration, run
against a local server.

``deploy/dagster/dagster.yaml`` is the one source. The local instance is that file
without the two sections that only a Kubernetes cluster on Google Cloud can serve (the
run launcher, which starts one Kubernetes Job per run, and the compute logs in GCS);
Dagster's defaults replace them (runs as processes of this machine, compute logs in the
instance's folder). Everything else, the storage first, is the file's own, and the
storage reads the same environment variables, which point at the local server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mesh_platform.settings import DagsterStorage, MeshSettings
from sandbox.processes import project_file
from sandbox.services.postgres.install import PostgresError
from sandbox.services.postgres.server import LocalPostgres, PostgresConnection

PRODUCTION_INSTANCE = Path("deploy") / "dagster" / "dagster.yaml"
"""Production's Dagster instance, relative to the project's root."""
PRODUCTION_ONLY = {
    "run_launcher": "one Kubernetes Job per run",
    "compute_logs": "compute logs in GCS",
}
"""The sections of production's instance left out locally, and what they need."""
STORAGE_FIELDS = {
    "hostname": "host",
    "port": "port",
    "username": "username",
    "password": "password",
    "db_name": "database",
}
"""Each field of ``storage.postgres.postgres_db`` and the attribute of
:class:`~sandbox.services.postgres.server.PostgresConnection` that gives it locally."""


def production_instance_path() -> Path:
    """Production's ``dagster.yaml``, found above this package (a checkout) or the
    current directory.

    Raises:
        PostgresError: there is none.
    """
    return project_file(PRODUCTION_INSTANCE, PostgresError)


def local_instance(production: Mapping[str, Any]) -> dict[str, Any]:
    """Production's instance configuration without its :data:`PRODUCTION_ONLY` sections."""
    return {key: value for key, value in production.items() if key not in PRODUCTION_ONLY}


def storage_variables(instance: Mapping[str, Any]) -> dict[str, str]:
    """The environment variable each field of the instance's PostgreSQL storage reads.

    Raises:
        PostgresError: the storage is not PostgreSQL, or a field does not come from the
            environment (the local server could not be put in its place).
    """
    where = f"{PRODUCTION_INSTANCE.as_posix()}: storage.postgres.postgres_db"
    postgres_db = ((instance.get("storage") or {}).get("postgres") or {}).get("postgres_db")
    if not isinstance(postgres_db, dict):
        raise PostgresError(f"{where} is missing: the instance does not store in PostgreSQL")
    variables = {}
    for name in STORAGE_FIELDS:
        value = postgres_db.get(name)
        if not (isinstance(value, dict) and isinstance(value.get("env"), str)):
            raise PostgresError(f"{where}.{name} must read an environment variable ({{env: ...}})")
        variables[name] = value["env"]
    return variables


def instance_environment(
    instance: Mapping[str, Any], connection: PostgresConnection
) -> dict[str, str]:
    """The variables that point the instance's storage at ``connection``."""
    return {
        variable: str(getattr(connection, STORAGE_FIELDS[name]))
        for name, variable in storage_variables(instance).items()
    }


def write_instance(home: Path, instance: Mapping[str, Any], source: Path) -> Path:
    """Write ``instance`` as ``<home>/dagster.yaml``; the file's path."""
    home.mkdir(parents=True, exist_ok=True)
    leaves = ", ".join(f"{key} ({why})" for key, why in PRODUCTION_ONLY.items())
    header = (
        f"# Written from {source} on every start: edit that file, not this one.\n"
        f"# Production's instance without {leaves}.\n"
    )
    path = home / "dagster.yaml"
    path.write_text(header + yaml.safe_dump(dict(instance), sort_keys=False))
    return path


def migrate(home: Path) -> None:
    """Create the instance's tables in an empty database, or bring them to the installed
    Dagster's schema, as the Helm chart's migrate Job does on every upgrade (``dagster
    instance migrate``); once, before any code server, daemon or run opens them."""
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        instance.upgrade()


@dataclass(frozen=True)
class LocalStorage:
    """The local instance's PostgreSQL storage while it is in use."""

    connection: PostgresConnection
    environment: dict[str, str] = field(repr=False)
    """The variables the instance's storage reads (they hold the password)."""
    server: LocalPostgres
    started: bool
    """Whether this process started the server (else it uses one already running)."""


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def dagster_storage(settings: MeshSettings) -> Iterator[LocalStorage | None]:
    """The storage of the local Dagster instance, ready while inside.

    With ``dagster_storage`` ``sqlite``: nothing to do (``None``). With ``postgres``:
    the server of ``settings.postgres_dir`` (the one already running from there, else
    one started here and stopped on leaving), the instance written to
    ``settings.dagster_home`` from production's and migrated (:func:`migrate`), and its
    variables set in this process's environment (so that the children it starts inherit
    them), restored on leaving.

    Raises:
        PostgresError: the server could not start, or production's instance does not
            configure a PostgreSQL storage from the environment.
    """
    if settings.dagster_storage is not DagsterStorage.POSTGRES:
        yield None
        return
    source = production_instance_path()
    instance = local_instance(yaml.safe_load(source.read_text()) or {})
    storage_variables(instance)  # a misconfigured file fails before the server starts
    server = LocalPostgres(settings.postgres_dir)
    started = server.recorded() is None
    if started:
        server.start()
    try:
        connection = server.connection
        environment = instance_environment(instance, connection)
        write_instance(settings.dagster_home, instance, source)
        with _environment(environment):
            migrate(settings.dagster_home)
            yield LocalStorage(connection, environment, server, started)
    finally:
        if started:
            server.stop()
