"""The local directory: Debian's slapd run from a folder, seeded once, stopped with us."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from ldap3 import MODIFY_DELETE

from mesh_platform.access.directory import Directory
from mesh_platform.access.policy import LOCAL_KEY_FILE, load_policy
from sandbox.services.ldap import DirectoryServerError, LocalDirectory
from sandbox.services.ldap import install as ldap_install
from sandbox.services.ldap.organisation import GROUPS, PEOPLE, group_dn
from sandbox.services.ldap.server import local_directory


def test_the_organisation_covers_the_policy() -> None:
    assert set(GROUPS) == set(load_policy().groups)
    assert all(set(person.groups) <= set(GROUPS) for person in PEOPLE)
    assert {g for p in PEOPLE for g in p.groups} == set(GROUPS)  # nobody's group is empty


def test_a_restart_keeps_the_directory_and_its_changes(tmp_path: Path) -> None:
    root = tmp_path / "ldap"
    with LocalDirectory(root) as server:
        pid = server.pid
        assert pid is not None
        passwords = server.passwords()
        info = json.loads((root / "directory.json").read_text())
        assert info["url"] == server.url
        assert oct((root / "people.json").stat().st_mode & 0o777) == "0o600"
        admin = server.admin()
        bob = "uid=bob,ou=people,dc=trident-resorts,dc=example"
        assert admin.modify(group_dn("call-centre-agents"), {"member": [(MODIFY_DELETE, [bob])]})
        admin.unbind()
    assert not (root / "directory.json").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with LocalDirectory(root) as server:
        assert server.passwords() == passwords
        bob_now = Directory(server.config).authenticate("bob", passwords["bob"])
        assert bob_now.groups == frozenset()  # the change survived; no second seeding
    assert (tmp_path / LOCAL_KEY_FILE).stat().st_size > 16


def test_mesh_dev_runs_without_a_directory_that_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> Path:
        raise DirectoryServerError("OpenLDAP's server is not installed (test)")

    monkeypatch.setattr("sandbox.services.ldap.server.ensure_slapd", missing)
    with local_directory(tmp_path) as message:
        assert "did not start" in message
        assert "not installed (test)" in message


def test_mesh_dev_starts_and_stops_the_directory(tmp_path: Path) -> None:
    with local_directory(tmp_path) as message:
        assert "Directory on ldap://127.0.0.1:" in message
        assert (tmp_path / "ldap" / "directory.json").exists()
    assert not (tmp_path / "ldap" / "directory.json").exists()


def test_a_missing_server_without_root_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ldap_install, "installed", lambda: False)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(DirectoryServerError, match="sudo apt-get install slapd"):
        ldap_install.ensure_slapd()
