"""The local PostgreSQL server and the local Dagster instance made from production's.

The configuration tests read ``deploy/dagster/dagster.yaml`` itself; the server tests
start Debian's PostgreSQL through the project's own code (installing it if missing).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

from mesh_platform.settings import DagsterStorage, MeshSettings
from sandbox.services.postgres import (
    PRODUCTION_INSTANCE,
    PRODUCTION_ONLY,
    LocalPostgres,
    PostgresConnection,
    PostgresError,
    dagster_storage,
    install_server,
    instance_environment,
    local_instance,
    production_instance_path,
    server_bindir,
    storage_variables,
    write_instance,
)
from tests.support.postgres import give_up, reachable_state_folder, start_or_give_up

REPO_ROOT = Path(__file__).resolve().parents[2]


def production() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / PRODUCTION_INSTANCE).read_text())
    return loaded


# -- the instance: production's file, two sections left out


def test_the_production_file_is_found_in_the_checkout() -> None:
    assert production_instance_path() == REPO_ROOT / PRODUCTION_INSTANCE


def test_the_local_instance_is_productions_without_kubernetes_and_gcs() -> None:
    prod = production()
    local = local_instance(prod)
    assert set(PRODUCTION_ONLY) <= set(prod)
    assert set(local) == set(prod) - set(PRODUCTION_ONLY)
    assert all(local[key] == prod[key] for key in local)
    assert local["storage"] == prod["storage"]


def test_the_storage_reads_every_connection_field_from_the_environment() -> None:
    variables = storage_variables(local_instance(production()))
    assert set(variables) == {"hostname", "port", "username", "password", "db_name"}
    assert variables["password"] == "DAGSTER_PG_PASSWORD"


def test_the_environment_points_the_storage_at_a_server() -> None:
    server = PostgresConnection("127.0.0.1", 54321, "dagster", "dagster", "s3cret")
    environment = instance_environment(local_instance(production()), server)
    variables = storage_variables(local_instance(production()))
    assert environment[variables["hostname"]] == "127.0.0.1"
    assert environment[variables["port"]] == "54321"
    assert environment[variables["password"]] == "s3cret"
    assert environment[variables["db_name"]] == "dagster"


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ({"storage": {"sqlite": {"base_dir": "x"}}}, "does not store in PostgreSQL"),
        (
            {"storage": {"postgres": {"postgres_db": {"hostname": "db.internal"}}}},
            "postgres_db.hostname must read an environment variable",
        ),
    ],
)
def test_a_storage_the_local_server_cannot_replace_is_refused(
    instance: dict[str, Any], message: str
) -> None:
    with pytest.raises(PostgresError, match=message):
        storage_variables(instance)


def test_the_written_instance_validates_with_dagsters_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = local_instance(production())
    server = PostgresConnection("127.0.0.1", 5432, "dagster", "dagster", "s3cret")
    for name, value in instance_environment(instance, server).items():
        monkeypatch.setenv(name, value)
    path = write_instance(tmp_path, instance, REPO_ROOT / PRODUCTION_INSTANCE)
    assert path.read_text().startswith("# Written from ")
    config, _ = dagster_instance_config(str(tmp_path))  # raises on an invalid instance
    assert config["storage"] == production()["storage"]
    assert config.get("run_launcher") is None
    assert config.get("compute_logs") is None


def test_each_storage_has_its_own_dagster_home(tmp_path: Path) -> None:
    sqlite = MeshSettings(state_dir=tmp_path)
    postgres = MeshSettings(state_dir=tmp_path, dagster_storage=DagsterStorage.POSTGRES)
    assert sqlite.dagster_storage is DagsterStorage.SQLITE
    assert sqlite.dagster_home == tmp_path / "dagster_home"
    assert postgres.dagster_home == tmp_path / "postgres" / "dagster_home"


def test_sqlite_storage_needs_no_server(tmp_path: Path) -> None:
    with dagster_storage(MeshSettings(state_dir=tmp_path)) as storage:
        assert storage is None
    assert not (tmp_path / "postgres").exists()


# -- the server's binaries


def test_the_newest_installed_server_is_chosen(tmp_path: Path) -> None:
    for version, programs in (("9", ("postgres", "initdb")), ("15", ("postgres", "initdb"))):
        (tmp_path / version / "bin").mkdir(parents=True)
        for program in programs:
            (tmp_path / version / "bin" / program).touch()
    (tmp_path / "17" / "bin").mkdir(parents=True)
    (tmp_path / "17" / "bin" / "postgres").touch()  # no initdb: a client-only leftover
    assert server_bindir(tmp_path) == tmp_path / "15" / "bin"
    assert server_bindir(tmp_path / "missing") is None


def test_a_missing_server_that_cannot_be_installed_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(PostgresError, match=r"needs root: run `sudo apt-get install postgresql`"):
        install_server(tmp_path)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(PostgresError, match="no apt-get"):
        install_server(tmp_path)


FAKE_APT_GET = """#!/bin/sh
echo "$DEBIAN_FRONTEND $*" >> "{log}"
case "$1" in
  update) touch "{updated}" ;;
  install)
    if [ -f "{updated}" ] && [ "{succeed}" = yes ]; then
      mkdir -p "{libdir}/16/bin" && touch "{libdir}/16/bin/postgres" "{libdir}/16/bin/initdb"
    else
      echo "E: Unable to locate package postgresql" >&2; exit 100
    fi ;;
esac
"""


def fake_apt_get(
    folder: Path, libdir: Path, monkeypatch: pytest.MonkeyPatch, *, succeed: bool
) -> Path:
    """An apt-get that knows the package only after ``apt-get update`` (a fresh
    machine's empty package lists), on the PATH; the log of its calls."""
    log, updated = folder / "apt-get.log", folder / "updated"
    script = folder / "bin" / "apt-get"
    script.parent.mkdir()
    script.write_text(
        FAKE_APT_GET.format(
            log=log, updated=updated, libdir=libdir, succeed="yes" if succeed else "no"
        )
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    return log


def test_a_missing_server_is_installed_quietly_after_refreshing_the_package_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    libdir = tmp_path / "lib" / "postgresql"
    log = fake_apt_get(tmp_path, libdir, monkeypatch, succeed=True)
    assert install_server(libdir) == libdir / "16" / "bin"
    calls = log.read_text().splitlines()
    assert [call.split()[1] for call in calls] == ["install", "update", "install"]
    assert all(call.startswith("noninteractive ") for call in calls)
    assert all(" -y -q " in call for call in calls if call.split()[1] == "install")
    assert calls[-1].endswith(" postgresql")


def test_a_failed_installation_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    libdir = tmp_path / "lib" / "postgresql"
    fake_apt_get(tmp_path, libdir, monkeypatch, succeed=False)
    with pytest.raises(PostgresError, match=r"(?s)package postgresql failed.*Unable to locate"):
        install_server(libdir)


# -- the server


@pytest.mark.postgres
def test_the_server_keeps_its_data_across_restarts_and_stops_with_its_owner() -> None:
    state = reachable_state_folder()
    try:
        server = start_or_give_up(LocalPostgres(state / "postgres"))
        first_port = server.connection.port
        with server.connection.connect() as connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE kept (n integer)")
            cursor.execute("INSERT INTO kept VALUES (42)")
        recorded = server.recorded()
        assert recorded is not None
        assert recorded["pid"] == server.pid
        assert "password" not in recorded
        assert (state / "postgres" / "password").stat().st_mode & 0o077 == 0
        pid = server.pid
        assert server.stop()
        assert server.recorded() is None
        assert pid is not None
        assert not Path(f"/proc/{pid}").exists()

        again = LocalPostgres(state / "postgres").start()
        try:
            assert again.connection.port != 0
            with again.connection.connect() as connection, connection.cursor() as cursor:
                cursor.execute("SELECT n FROM kept")
                assert cursor.fetchall() == [(42,)]
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                assert cursor.fetchone() == (False,)
            with pytest.raises(PostgresError, match="already runs"):
                LocalPostgres(state / "postgres").start()
        finally:
            again.stop()
        assert first_port
    finally:
        shutil.rmtree(state, ignore_errors=True)


@pytest.mark.postgres
def test_the_storage_starts_a_server_for_its_user_and_stops_it_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = reachable_state_folder()
    settings = MeshSettings(state_dir=state, dagster_storage=DagsterStorage.POSTGRES)
    variables = storage_variables(local_instance(production()))
    for variable in variables.values():
        monkeypatch.delenv(variable, raising=False)
    try:
        try:
            context = dagster_storage(settings)
            storage = context.__enter__()
        except PostgresError as error:
            give_up(error)
        try:
            assert storage is not None
            assert storage.started
            assert os.environ[variables["port"]] == str(storage.connection.port)
            assert (settings.dagster_home / "dagster.yaml").is_file()
            with storage.connection.connect() as connection, connection.cursor() as cursor:
                cursor.execute("SELECT current_database()")
                assert cursor.fetchone() == ("dagster",)
                cursor.execute(  # migrated: Dagster's tables, owned by the instance's role
                    "SELECT tablename FROM pg_tables WHERE tableowner = 'dagster' "
                    "AND tablename IN ('runs', 'event_logs', 'asset_check_executions')"
                )
                assert len(cursor.fetchall()) == 3
        finally:
            context.__exit__(None, None, None)
        assert variables["port"] not in os.environ
        assert LocalPostgres(settings.postgres_dir).recorded() is None
    finally:
        shutil.rmtree(state, ignore_errors=True)


@pytest.mark.postgres
def test_a_folder_the_servers_user_cannot_reach_is_named(tmp_path: Path) -> None:
    # pytest's temporary folders sit in one only their owner may enter (mode 0700)
    server = LocalPostgres(tmp_path / "postgres")
    if os.geteuid() != 0:  # the server runs as this user, who reaches it
        start_or_give_up(server).stop()
        return
    with pytest.raises(PostgresError, match=r"system user 'postgres', which cannot write .*o\+x"):
        server.start()
    assert server.recorded() is None
