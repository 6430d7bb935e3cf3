"""The company directory (LDAP): who a person is and which groups they belong to.

The same code reads the local OpenLDAP server of the sandbox and the company's
directory in production; only the configuration differs (:class:`DirectoryConfig`,
from the ``MESH_DIRECTORY_*`` settings, else from the file the local server writes in
the state folder).

A person is authenticated by a *bind* with their own DN and password: the directory,
not this code, checks the password. Their groups are read at every query (a person
removed from a group loses its grants at their next query). Looking a person up
without their password (``--as`` for an administrator's support, an SSO identity)
uses the platform's service account.

SSO: the identity-aware proxy in front of the UI passes the signed-in e-mail in the
``X-Goog-Authenticated-User-Email`` header (``accounts.google.com:alice@...``); an
OIDC provider gives an ``email`` claim. :func:`sso_email` reads either and
:meth:`Directory.find_by_email` maps it to the directory user whose ``mail`` it is.
The web tier must have verified the proxy's signed assertion
(``X-Goog-IAP-JWT-Assertion``) or the OIDC token before trusting either.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ldap3 import SUBTREE, Connection, Server
from ldap3.core.exceptions import LDAPBindError, LDAPException
from ldap3.utils.conv import escape_filter_chars

from mesh_platform.access.policy import AccessError
from mesh_platform.settings import MeshSettings

LOCAL_DIRECTORY = Path("ldap")
"""The sandbox's local directory server's folder, in the state folder."""
LOCAL_DIRECTORY_FILE = LOCAL_DIRECTORY / "directory.json"
"""Where the sandbox's local directory server records how to reach it, in the state
folder (read when no ``MESH_DIRECTORY_URL`` is set)."""
IAP_EMAIL_HEADER = "x-goog-authenticated-user-email"
TIMEOUT_S = 5


@dataclass(frozen=True)
class DirectoryConfig:
    """How to reach the directory.

    Attributes:
        url: ``ldap://host:port`` or ``ldaps://host:port``.
        users: the subtree of people (``ou=people,dc=...``), each with ``uid`` and ``mail``.
        groups: the subtree of groups (``groupOfNames`` with ``member`` DNs).
        bind_dn: the platform's service account (lookups without a password).
        bind_password: its password.
    """

    url: str
    users: str
    groups: str
    bind_dn: str
    bind_password: str

    @classmethod
    def from_settings(cls, settings: MeshSettings) -> DirectoryConfig:
        """From the settings (``MESH_DIRECTORY_URL``, ``_USERS``, ``_GROUPS``,
        ``_BIND_DN``, ``_BIND_PASSWORD``); else from the local server's file in the
        state folder.

        Raises:
            AccessError: neither is there, or the settings are incomplete.
        """
        if settings.directory_url:
            values = {
                "USERS": settings.directory_users,
                "GROUPS": settings.directory_groups,
                "BIND_DN": settings.directory_bind_dn,
                "BIND_PASSWORD": settings.directory_bind_password,
            }
            missing = [f"MESH_DIRECTORY_{name}" for name, value in values.items() if not value]
            if missing:
                raise AccessError(f"MESH_DIRECTORY_URL is set but not {', '.join(missing)}")
            assert settings.directory_bind_password is not None
            return cls(
                settings.directory_url,
                str(settings.directory_users),
                str(settings.directory_groups),
                str(settings.directory_bind_dn),
                settings.directory_bind_password.get_secret_value(),
            )
        local = settings.state_dir / LOCAL_DIRECTORY_FILE
        try:
            data: dict[str, Any] = json.loads(local.read_text())
        except (OSError, ValueError):
            raise AccessError(
                "no directory to authenticate you against: set MESH_DIRECTORY_URL (and "
                "MESH_DIRECTORY_USERS, _GROUPS, _BIND_DN, _BIND_PASSWORD) to the company's "
                f"directory, or start the local one (`mesh dev`, or "
                f"`python -m sandbox.services.ldap`), which writes {local}"
            ) from None
        return cls(**data)


@dataclass(frozen=True)
class DirectoryUser:
    """A person of the directory and the groups they are a member of, as read now."""

    uid: str
    dn: str
    mail: str | None
    groups: frozenset[str]


class Directory:
    """The directory, read through LDAP (``ldap3``)."""

    def __init__(self, config: DirectoryConfig) -> None:
        self.config = config
        self._server = Server(config.url, connect_timeout=TIMEOUT_S)

    def _connection(self, dn: str, password: str) -> Connection:
        return Connection(
            self._server, user=dn, password=password, auto_bind=True, receive_timeout=TIMEOUT_S
        )

    def _service(self) -> Connection:
        try:
            return self._connection(self.config.bind_dn, self.config.bind_password)
        except LDAPException as error:
            raise AccessError(
                f"the directory {self.config.url} refused the platform's service account "
                f"{self.config.bind_dn}: {error}"
            ) from error

    def _find(self, connection: Connection, attribute: str, value: str) -> DirectoryUser | None:
        query = f"(&(objectClass=inetOrgPerson)({attribute}={escape_filter_chars(value)}))"
        connection.search(self.config.users, query, SUBTREE, attributes=["uid", "mail"])
        if len(connection.entries) != 1:
            return None
        entry = connection.entries[0]
        dn = str(entry.entry_dn)
        groups_query = f"(&(objectClass=groupOfNames)(member={escape_filter_chars(dn)}))"
        connection.search(self.config.groups, groups_query, SUBTREE, attributes=["cn"])
        groups = frozenset(str(g.cn.value) for g in connection.entries)
        mail = str(entry.mail.value) if entry.mail.value else None
        return DirectoryUser(str(entry.uid.value), dn, mail, groups)

    def lookup(self, uid: str) -> DirectoryUser:
        """The person whose ``uid`` this is, read with the service account.

        Raises:
            AccessError: no such person, or the directory cannot be reached.
        """
        connection = self._service()
        try:
            found = self._find(connection, "uid", uid)
        finally:
            connection.unbind()
        if found is None:
            raise AccessError(f"no user {uid!r} in the directory {self.config.url}")
        return found

    def authenticate(self, uid: str, password: str) -> DirectoryUser:
        """Bind as the person (the directory checks the password), then read their groups.

        Raises:
            AccessError: unknown user or wrong password (the same message for both), or
                the directory cannot be reached.
        """
        refused = AccessError(f"the directory refused {uid!r}: unknown user or wrong password")
        if not password:
            raise refused
        user = self.lookup_or_none(uid)
        if user is None:
            raise refused
        try:
            self._connection(user.dn, password).unbind()
        except LDAPBindError:
            raise refused from None
        except LDAPException as error:
            raise AccessError(f"the directory {self.config.url}: {error}") from error
        return user

    def lookup_or_none(self, uid: str) -> DirectoryUser | None:
        try:
            return self.lookup(uid)
        except AccessError as error:
            if "no user" in str(error):
                return None
            raise

    def find_by_email(self, email: str) -> DirectoryUser:
        """The person whose ``mail`` is ``email`` (an SSO identity).

        Raises:
            AccessError: nobody, or several people, have that address.
        """
        connection = self._service()
        try:
            found = self._find(connection, "mail", email.lower())
        finally:
            connection.unbind()
        if found is None:
            raise AccessError(f"no single directory user has the e-mail {email!r}")
        return found


def sso_email(
    headers: Mapping[str, str] | None = None, claims: Mapping[str, Any] | None = None
) -> str:
    """The e-mail of the signed-in person, from the identity-aware proxy's header or
    from verified OIDC claims.

    Example:
        >>> sso_email({"X-Goog-Authenticated-User-Email": "accounts.google.com:Alice@x.example"})
        'alice@x.example'
        >>> sso_email(claims={"email": "bob@x.example", "email_verified": True})
        'bob@x.example'

    Raises:
        AccessError: neither carries an e-mail, or the OIDC e-mail is not verified.
    """
    for name, value in (headers or {}).items():
        if name.lower() == IAP_EMAIL_HEADER and value:
            return value.rpartition(":")[2].strip().lower()
    if claims:
        if claims.get("email") and claims.get("email_verified", False) is True:
            return str(claims["email"]).strip().lower()
        if claims.get("email"):
            raise AccessError("the OIDC token's e-mail is not verified (email_verified)")
    raise AccessError(
        f"no SSO identity: neither the {IAP_EMAIL_HEADER} header nor an OIDC e-mail claim"
    )
