"""An OpenLDAP server of our own: its database in a folder, on a free port of 127.0.0.1,
seeded with the organisation, stopped with the process that started it."""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Self

from ldap3 import HASHED_SALTED_SHA, Connection, Server
from ldap3.core.exceptions import LDAPException
from ldap3.utils.hashed import hashed

from mesh_platform.access.directory import LOCAL_DIRECTORY, DirectoryConfig
from mesh_platform.access.policy import LOCAL_KEY_FILE
from sandbox.processes import (
    LocalService,
    free_port,
    launch,
    locked,
    stop_process,
    wait_until_ready,
)
from sandbox.services.ldap.install import MODULES, SCHEMAS, DirectoryServerError, ensure_slapd
from sandbox.services.ldap.organisation import (
    ADMIN_DN,
    BASE_DN,
    GROUPS,
    GROUPS_DN,
    PEOPLE,
    PEOPLE_DN,
    group_dn,
)

STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

_CONFIG = """\
include {schemas}/core.schema
include {schemas}/cosine.schema
include {schemas}/inetorgperson.schema
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
modulepath {modules}
moduleload back_mdb
database mdb
maxsize 104857600
suffix "{base}"
rootdn "{admin}"
rootpw {rootpw}
directory {data}
index objectClass eq
index uid,mail,member eq
access to attrs=userPassword
    by anonymous auth
    by self write
    by * none
access to *
    by users read
    by * none
"""


class LocalDirectory(LocalService):
    """OpenLDAP's ``slapd`` serving ``dc=trident-resorts,dc=example`` from a folder.

    The folder holds ``slapd.conf``, ``data/`` (the MDB database), ``password`` (the
    administrator's, readable by its owner only), ``people.json`` (every seeded
    person's password, the same) and, while the server runs, ``directory.json``: how
    the platform reaches it (:class:`~mesh_platform.access.directory.DirectoryConfig`).
    ``mesh query`` reads that file when no ``MESH_DIRECTORY_URL`` is set. The server
    gets SIGTERM when the process that started it dies.

    Args:
        root: the server's folder (``<state>/ldap``).
        port: the port (a free one when not given).

    Example:
        >>> with LocalDirectory(Path(".mesh/ldap")) as directory:  # doctest: +SKIP
        ...     print(directory.passwords()["alice"])
    """

    def __init__(self, root: Path, *, port: int | None = None) -> None:
        self.root = Path(root).absolute()
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def info_path(self) -> Path:
        return self.root / "directory.json"

    @property
    def log_path(self) -> Path:
        return self.root / "slapd.log"

    def _secret(self, name: str) -> str:
        path = self.root / name
        if not path.is_file():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(18) + "\n")
        return path.read_text().strip()

    def passwords(self) -> dict[str, str]:
        """Every seeded person's password, by uid."""
        path = self.root / "people.json"
        if not path.is_file():
            path.touch(mode=0o600)
            path.write_text(
                json.dumps({p.uid: secrets.token_urlsafe(12) for p in PEOPLE}, indent=2) + "\n"
            )
        data: dict[str, str] = json.loads(path.read_text())
        return data

    @property
    def config(self) -> DirectoryConfig:
        return DirectoryConfig(self.url, PEOPLE_DN, GROUPS_DN, ADMIN_DN, self._secret("password"))

    def admin(self) -> Connection:
        """A connection bound as the directory's administrator (to change it)."""
        return Connection(Server(self.url), ADMIN_DN, self._secret("password"), auto_bind=True)

    def start(self) -> Self:
        """Install ``slapd`` if needed, start it and seed the organisation on first use.

        Raises:
            DirectoryServerError: it could not be installed, started or seeded.
        """
        slapd = ensure_slapd()
        self.root.mkdir(parents=True, exist_ok=True)
        with locked(self.root / "start.lock"):
            if self.info_path.exists():
                self.info_path.unlink()
            (self.root / "data").mkdir(exist_ok=True)
            self.port = self.port or free_port()
            conf = self.root / "slapd.conf"
            conf.write_text(
                _CONFIG.format(
                    schemas=SCHEMAS,
                    modules=MODULES,
                    root=self.root,
                    base=BASE_DN,
                    admin=ADMIN_DN,
                    rootpw=hashed(HASHED_SALTED_SHA, self._secret("password")),
                    data=self.root / "data",
                )
            )
            command = [str(slapd), "-d", "0", "-h", f"{self.url}/", "-f", str(conf)]
            self._process = launch(command, self.log_path, append=False, with_parent=True)
            self._ready_or_stopped(self._wait_until_ready, self._seed)
            ensure_masking_key(self.root.parent)
            self.info_path.touch(mode=0o600)
            config = self.config
            self.info_path.write_text(json.dumps(config.__dict__, indent=2) + "\n")
        return self

    def _answers(self) -> bool:
        self.admin().unbind()
        return True

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        wait_until_ready(
            self._process,
            self._answers,
            name="slapd",
            where=self.url,
            log=self.log_path,
            error=DirectoryServerError,
            timeout=STARTUP_TIMEOUT,
            retry_on=(LDAPException,),
        )

    def _seed(self) -> None:
        """The organisation, unless the base entry exists (a later start keeps changes)."""
        connection = self.admin()
        try:
            if connection.search(BASE_DN, "(objectClass=*)", "BASE"):
                return
            passwords = self.passwords()
            adds: list[tuple[str, list[str], dict[str, object]]] = [
                (
                    BASE_DN,
                    ["dcObject", "organization"],
                    {"o": "Trident resorts", "dc": "trident-resorts"},
                ),
                (PEOPLE_DN, ["organizationalUnit"], {"ou": "people"}),
                (GROUPS_DN, ["organizationalUnit"], {"ou": "groups"}),
            ]
            for person in PEOPLE:
                given, _, family = person.name.partition(" ")
                attributes = {
                    "uid": person.uid,
                    "cn": person.name,
                    "givenName": given,
                    "sn": family or given,
                    "mail": person.mail,
                    "userPassword": hashed(HASHED_SALTED_SHA, passwords[person.uid]),
                }
                adds.append((person.dn, ["inetOrgPerson"], attributes))
            for name, description in GROUPS.items():
                members = [p.dn for p in PEOPLE if name in p.groups]
                attributes = {"cn": name, "description": description, "member": members}
                adds.append((group_dn(name), ["groupOfNames"], attributes))
            for dn, classes, attributes in adds:
                if not connection.add(dn, classes, attributes):
                    raise DirectoryServerError(f"seeding {dn} failed: {connection.result}")
        finally:
            connection.unbind()

    def stop(self) -> bool:
        """Stop the server this object started (SIGTERM, SIGKILL after a while).

        Returns:
            Whether it was running.
        """
        process, self._process = self._process, None
        if process is None:
            return False
        running = stop_process(process, timeout=STOP_TIMEOUT)
        self.info_path.unlink(missing_ok=True)
        return running


def ensure_masking_key(state_dir: Path) -> Path:
    """The local state folder's masking key file, made (random, owner-only) if missing.

    Production gives the key in ``MESH_MASKING_KEY``; locally ``mesh query`` reads this
    file when the variable is not set.
    """
    path = state_dir / LOCAL_KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32) + "\n")
    return path


@contextlib.contextmanager
def local_directory(state_dir: Path) -> Iterator[str]:
    """The local directory of ``mesh dev``, running while the context is open.

    Yields:
        What to tell the user: where it runs and how to query as a seeded person, or
        why it could not start (``mesh dev`` runs on without it).
    """
    directory = LocalDirectory(state_dir / LOCAL_DIRECTORY)
    try:
        directory.start()
    except DirectoryServerError as error:
        yield f"[yellow]The local directory did not start, mesh query cannot run:[/] {error}"
        return
    try:
        yield (
            f"[bold green]Directory on {directory.url}[/] ({len(PEOPLE)} people; their "
            f"passwords in {directory.root / 'people.json'}): "
            'mesh query --user alice --purpose analytics "select ..."'
        )
    finally:
        directory.stop()
