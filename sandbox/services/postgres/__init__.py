"""PostgreSQL for the local Dagster instance, as production stores its runs.

Production's Dagster instance (``deploy/dagster/dagster.yaml``) keeps its runs, event
log and schedules in PostgreSQL (``dagster-postgres``). With the setting
``MESH_DAGSTER_STORAGE=postgres`` (``mesh dev --postgres``, ``mesh build --postgres``)
the local instance does the same, against a server of its own:

- the server is Debian's ``postgresql`` package, installed with apt-get when its
  binaries are missing (:func:`ensure_server`);
- its cluster lives in ``<state>/postgres/cluster``, made by ``initdb`` on first use,
  with a database ``dagster`` owned by a role ``dagster`` whose password is in
  ``<state>/postgres/password``; it listens on a free port of 127.0.0.1 only, and lives
  as long as the process that started it (:class:`LocalPostgres`);
- the instance in ``<state>/postgres/dagster_home`` is production's file without its
  Kubernetes run launcher and GCS compute logs, its storage variables pointing at the
  local server (:func:`dagster_storage`).

``mesh dev --postgres`` starts the server and stops it on exit; ``mesh build
--postgres`` records into the server running from the same state folder, else starts
one for the build. The runs persist in the cluster between the two.
"""

from sandbox.services.postgres.install import (
    DEBIAN_LIBDIR,
    PACKAGE,
    PostgresError,
    ensure_server,
    install_server,
    server_bindir,
)
from sandbox.services.postgres.instance import (
    PRODUCTION_INSTANCE,
    PRODUCTION_ONLY,
    LocalStorage,
    dagster_storage,
    instance_environment,
    local_instance,
    production_instance_path,
    storage_variables,
    write_instance,
)
from sandbox.services.postgres.server import LocalPostgres, PostgresConnection

__all__ = [
    "DEBIAN_LIBDIR",
    "PACKAGE",
    "PRODUCTION_INSTANCE",
    "PRODUCTION_ONLY",
    "LocalPostgres",
    "LocalStorage",
    "PostgresConnection",
    "PostgresError",
    "dagster_storage",
    "ensure_server",
    "install_server",
    "instance_environment",
    "local_instance",
    "production_instance_path",
    "server_bindir",
    "storage_variables",
    "write_instance",
]
