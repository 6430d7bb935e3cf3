"""The ``--postgres/--sqlite`` choice of ``mesh build`` and ``mesh dev``: which storage
the local Dagster instance uses, and the PostgreSQL server it then needs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated

import typer
from rich.markup import escape

from mesh_platform.cli.output import console, fail
from mesh_platform.settings import DagsterStorage, MeshSettings, get_settings

STORAGE_VARIABLE = "MESH_DAGSTER_STORAGE"

StorageOption = Annotated[
    bool | None,
    typer.Option(
        "--postgres/--sqlite",
        help="The local Dagster instance's storage: PostgreSQL (a local server, production's "
        f"instance configuration) or SQLite files; default ${STORAGE_VARIABLE}, else SQLite.",
        show_default=False,
    ),
]


def chosen_settings(postgres: bool | None) -> MeshSettings:
    """The settings, with the storage the flag names (``None``: the setting's).

    The choice goes to the environment, so that every process started from here (code
    servers, webserver, daemon) uses the same instance.
    """
    if postgres is not None:
        storage = DagsterStorage.POSTGRES if postgres else DagsterStorage.SQLITE
        os.environ[STORAGE_VARIABLE] = storage.value
        get_settings.cache_clear()
    return get_settings()


@contextmanager
def instance_storage(settings: MeshSettings) -> Iterator[None]:
    """While inside, the local instance's storage is ready (the PostgreSQL server runs);
    a storage that cannot be made ready ends the command with its reason."""
    from sandbox.services.postgres import PostgresError, dagster_storage

    with ExitStack() as stack:
        try:
            storage = stack.enter_context(dagster_storage(settings))
        except PostgresError as error:
            fail(escape(str(error)))
        if storage is not None:
            server = storage.connection
            how = "started" if storage.started else "already running"
            console().print(
                f"Dagster instance on PostgreSQL: database {server.database} on "
                f"{server.host}:{server.port} ({how}; log {storage.server.log_path})",
                highlight=False,
            )
        yield
