"""A PostgreSQL server of our own: its cluster in a folder, started on a free port of
127.0.0.1, stopped with the process that started it."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sandbox import processes
from sandbox.services.postgres.install import PostgresError, ensure_server

if TYPE_CHECKING:
    from psycopg2 import extensions

SYSTEM_USER = "postgres"
"""The system user that runs the server when this process is root (PostgreSQL refuses
to run as root); Debian's package creates it."""
SUPERUSER = "postgres"
STOP_TIMEOUT = 30.0
LOG_TAIL_LINES = 30
LOG_PREFIX = "  | "
"""How a quoted log line starts in an error message."""


@dataclass(frozen=True)
class PostgresConnection:
    """How to reach one database of a running server (password authentication)."""

    host: str
    port: int
    database: str
    username: str
    password: str

    def connect(self) -> extensions.connection:
        """A psycopg2 connection to the database."""
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            dbname=self.database,
            user=self.username,
            password=self.password,
            connect_timeout=5,
        )


def _is_postgres(pid: int) -> bool:
    """Whether ``pid`` is a running PostgreSQL server (not a reused pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        command = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return Path(command.decode(errors="replace")).name == "postgres"


class LocalPostgres(processes.LocalService):
    """A PostgreSQL cluster in a folder of its own, served while the process that
    started it lives.

    The folder holds ``cluster/`` (made by ``initdb`` on first start), ``password``
    (readable by its owner only: of the superuser ``postgres`` and of the database's
    owner), ``postgres.log`` and, while the server runs, ``server.json`` (its pid, port
    and database). The server listens on 127.0.0.1 only, on a free port, with password
    authentication and no Unix socket. Run as root, it runs as the system user
    ``postgres``, which must be able to reach the folder. It gets SIGINT (a fast
    shutdown) if the process that started it dies, so it never outlives it.

    Args:
        root: the server's folder.
        database: the database created on first start, owned by ``username``.
        username: the database's owner, a role without superuser rights (as a managed
            PostgreSQL's application user is).
        host: the address to listen on.
        port: the port (a free one when not given).
        startup_timeout: seconds to wait for the server to accept connections.

    Example:
        >>> with LocalPostgres(Path(".mesh/postgres")) as server:  # doctest: +SKIP
        ...     connection = server.connection.connect()
    """

    def __init__(
        self,
        root: Path,
        *,
        database: str = "dagster",
        username: str = "dagster",
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.root = Path(root).absolute()
        self.database = database
        self.username = username
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def cluster(self) -> Path:
        return self.root / "cluster"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    @property
    def info_path(self) -> Path:
        return self.root / "server.json"

    @property
    def password_path(self) -> Path:
        return self.root / "password"

    @property
    def connection(self) -> PostgresConnection:
        """The database of this server (started by this object, or recorded running)."""
        port = self.port
        if self._process is None and (running := self.recorded()) is not None:
            port = int(running["port"])
        if port is None:
            raise PostgresError(f"no PostgreSQL server runs from {self.root}: start it first")
        return PostgresConnection(
            self.host, port, self.database, self.username, self.password_path.read_text().strip()
        )

    # -- as the server's user ---------------------------------------------------------

    def _server_user(self) -> pwd.struct_passwd | None:
        """The system user the server runs as when this process is root, else ``None``."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresError(
                f"PostgreSQL refuses to run as root, and there is no system user "
                f"{SYSTEM_USER!r} to run it as (Debian's package postgresql creates it)"
            ) from None

    def _as_server_user(
        self, command: Sequence[str | Path], *, attached: bool = False
    ) -> list[str]:
        """``command`` run as the server's user; ``attached``: SIGINT when we die."""
        prefix: list[str] = []
        user = self._server_user()
        if user is not None:
            prefix += [f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups"]
        if attached:
            prefix += ["--pdeathsig", "INT"]
        if prefix:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                raise PostgresError("setpriv (util-linux) is needed to run PostgreSQL's server")
            prefix = [setpriv, *prefix, "--"]
        return [*prefix, *(str(part) for part in command)]

    def _give_to_server_user(self, path: Path) -> None:
        user = self._server_user()
        if user is not None:
            os.chown(path, user.pw_uid, user.pw_gid)

    # -- the cluster -------------------------------------------------------------------

    def _password(self) -> str:
        if not self.password_path.is_file():
            self.password_path.touch(mode=0o600)
            self.password_path.write_text(secrets.token_urlsafe(24) + "\n")
        return self.password_path.read_text().strip()

    def initialise(self, bindir: Path) -> bool:
        """Create the cluster with ``initdb`` unless it exists.

        Returns:
            Whether a cluster was created.

        Raises:
            PostgresError: the server's user cannot write the folder, or initdb failed.
        """
        if (self.cluster / "PG_VERSION").is_file():
            return False
        password = self._password()
        self.cluster.mkdir(mode=0o700, exist_ok=True)
        self._give_to_server_user(self.cluster)
        probe = subprocess.run(
            self._as_server_user(["test", "-w", self.cluster]), capture_output=True, check=False
        )
        if probe.returncode != 0:
            raise PostgresError(
                f"PostgreSQL's server runs as the system user {SYSTEM_USER!r}, which cannot "
                f"write {self.cluster}: every folder above it must be open to other users "
                "(o+x); put the state folder (MESH_STATE_DIR) where it can"
            )
        password_file = self.root / ".initdb-password"
        password_file.touch(mode=0o600)
        password_file.write_text(password + "\n")
        self._give_to_server_user(password_file)
        initdb: list[str | Path] = [bindir / "initdb", "--pgdata", self.cluster]
        initdb += ["--username", SUPERUSER]
        initdb += ["--pwfile", password_file, "--auth-host=scram-sha-256", "--auth-local=reject"]
        initdb += ["--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"]
        try:
            done = subprocess.run(
                self._as_server_user(initdb), capture_output=True, text=True, check=False
            )
        finally:
            password_file.unlink(missing_ok=True)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip()
            raise PostgresError(f"initdb {self.cluster} failed ({done.returncode}):\n{output}")
        return True

    def _create_database(self) -> None:
        """The database's owner (its password synchronised) and the database."""
        from psycopg2 import sql

        server = self.connection
        admin = PostgresConnection(server.host, server.port, "postgres", SUPERUSER, server.password)
        connection = admin.connect()
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (self.username,))
                verb = "ALTER" if cursor.fetchone() else "CREATE"
                cursor.execute(
                    sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(self.username), sql.Literal(server.password)
                    )
                )
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,))
                if cursor.fetchone() is None:
                    cursor.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(self.database), sql.Identifier(self.username)
                        )
                    )
        finally:
            connection.close()

    # -- running -----------------------------------------------------------------------

    def recorded(self) -> dict[str, Any] | None:
        """What ``server.json`` says of the server running from this folder, if one runs."""
        try:
            info = json.loads(self.info_path.read_text())
        except (OSError, ValueError):
            return None
        return dict(info) if _is_postgres(int(info.get("pid", 0))) else None

    def start(self) -> Self:
        """Install the server if needed, create the cluster and database on first use,
        start the server and wait until the database accepts connections.

        Raises:
            PostgresError: a server already runs from this folder, or the server could
                not be installed, created or started (with the end of its log).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with processes.locked(self.root / "start.lock"):
            if running := self.recorded():
                raise PostgresError(
                    f"a PostgreSQL server already runs from {self.root} "
                    f"(pid {running['pid']}, port {running['port']})"
                )
            bindir = ensure_server()
            self.initialise(bindir)
            self.port = self.port or processes.free_port(self.host)
            command: list[str | Path] = [bindir / "postgres", "-D", self.cluster]
            command += ["-p", str(self.port)]
            command += ["-c", f"listen_addresses={self.host}", "-c", "unix_socket_directories="]
            attached = self._as_server_user(command, attached=True)
            self._process = processes.launch(attached, self.log_path)
            self._ready_or_stopped(self._wait_until_ready, self._create_database)
            info = {"pid": self._process.pid, **asdict(self.connection), "log": str(self.log_path)}
            del info["password"]
            self.info_path.write_text(json.dumps(info, indent=2) + "\n")
        return self

    def _wait_until_ready(self) -> None:
        import psycopg2

        assert self._process is not None
        server = self.connection
        admin = PostgresConnection(server.host, server.port, "postgres", SUPERUSER, server.password)

        def answers() -> bool:
            admin.connect().close()
            return True

        processes.wait_until_ready(
            self._process,
            answers,
            name="PostgreSQL's server",
            where=f"{self.host}:{self.port}",
            log=self.log_path,
            error=PostgresError,
            timeout=self.startup_timeout,
            retry_on=(psycopg2.OperationalError,),
            log_lines=LOG_TAIL_LINES,
            log_prefix=LOG_PREFIX,
            waiting_for="accept connections",
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop the server this object started: a fast shutdown (SIGINT), an immediate
        one (SIGQUIT) after ``timeout`` seconds, SIGKILL at last.

        Returns:
            Whether it was running.
        """
        process, self._process = self._process, None
        if process is None:
            return False
        signals = (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL)
        was_running = processes.stop_process(process, signals, timeout)
        recorded = self._recorded_pid()
        if recorded in (None, process.pid):
            self.info_path.unlink(missing_ok=True)
        return was_running

    def _recorded_pid(self) -> int | None:
        try:
            return int(json.loads(self.info_path.read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return None
