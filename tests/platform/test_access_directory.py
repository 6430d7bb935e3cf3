"""The directory (against the local slapd), SSO identities, and the policy file's rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mesh_platform.access.directory import Directory, DirectoryConfig, sso_email
from mesh_platform.access.policy import AccessError, Purpose, load_policy, policy_path
from mesh_platform.settings import MeshSettings, get_settings
from sandbox.services.ldap import LocalDirectory


@pytest.fixture
def directory(local_directory: LocalDirectory) -> Directory:
    return Directory(local_directory.config)


def test_a_person_binds_with_their_password_and_gets_their_groups(
    directory: Directory, local_directory: LocalDirectory
) -> None:
    alice = directory.authenticate("alice", local_directory.passwords()["alice"])
    assert alice.groups == {"crm-analysts"}
    assert alice.mail == "alice@trident-resorts.example"
    for uid, password in (("alice", "wrong"), ("alice", ""), ("nobody", "x"), ("*", "x")):
        with pytest.raises(AccessError, match="unknown user or wrong password"):
            directory.authenticate(uid, password)


def test_an_iap_identity_maps_to_the_directory_user(directory: Directory) -> None:
    headers = {"X-Goog-Authenticated-User-Email": "accounts.google.com:Bob@Trident-Resorts.example"}
    bob = directory.find_by_email(sso_email(headers))
    assert bob.uid == "bob"
    assert bob.groups == {"call-centre-agents"}


def test_an_oidc_identity_maps_to_the_directory_user(directory: Directory) -> None:
    claims = {"email": "dora@trident-resorts.example", "email_verified": True, "sub": "123"}
    assert directory.find_by_email(sso_email(claims=claims)).uid == "dora"
    with pytest.raises(AccessError, match="not verified"):
        sso_email(claims={"email": "dora@trident-resorts.example"})
    with pytest.raises(AccessError, match="no single directory user"):
        directory.find_by_email("stranger@elsewhere.example")
    with pytest.raises(AccessError, match="no SSO identity"):
        sso_email({"X-Forwarded-For": "10.0.0.1"})


def test_the_configuration_comes_from_the_environment_or_the_local_server(
    local_directory: LocalDirectory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("URL", "USERS", "GROUPS", "BIND_DN", "BIND_PASSWORD"):
        monkeypatch.delenv(f"MESH_DIRECTORY_{name}", raising=False)
    with pytest.raises(AccessError, match="MESH_DIRECTORY_URL"):
        DirectoryConfig.from_settings(MeshSettings(state_dir=tmp_path))
    local = MeshSettings(state_dir=local_directory.root.parent)
    assert DirectoryConfig.from_settings(local) == local_directory.config
    monkeypatch.setenv("MESH_DIRECTORY_URL", "ldaps://directory.example:636")
    monkeypatch.setenv("MESH_DIRECTORY_GROUPS", "ou=groups,dc=example")
    with pytest.raises(AccessError, match="not MESH_DIRECTORY_USERS, MESH_DIRECTORY_BIND_DN"):
        DirectoryConfig.from_settings(MeshSettings(state_dir=tmp_path))


def test_an_unreachable_directory_is_named(tmp_path: Path) -> None:
    config = DirectoryConfig("ldap://127.0.0.1:1", "ou=people", "ou=groups", "cn=admin", "x")
    with pytest.raises(AccessError, match=r"ldap://127.0.0.1:1"):
        Directory(config).lookup("alice")


def test_a_person_of_several_purposes_gets_the_highest_clearance_of_each() -> None:
    policy = load_policy()
    groups = {"crm-analysts", "call-centre-agents"}
    assert policy.purposes_of(groups) == [Purpose.MARKETING, Purpose.SERVICE, Purpose.ANALYTICS]
    assert policy.access_for(groups, Purpose.SERVICE).clearance.value == "direct_pii"
    assert policy.access_for(groups, Purpose.MARKETING).clearance.value == "indirect_pii"
    with pytest.raises(AccessError, match="no grant for the purpose 'service'"):
        policy.access_for({"agencies"}, Purpose.SERVICE)


def test_a_broken_policy_file_is_refused_with_its_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = yaml.safe_load(policy_path().read_text())
    del data["clearances"]["direct_pii"]["sensitive"]
    broken = tmp_path / "policy.yaml"
    broken.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("MESH_ACCESS_POLICY", str(broken))
    get_settings.cache_clear()
    with pytest.raises(AccessError, match=r"clearances.direct_pii: no treatment for sensitive"):
        load_policy()
    data["clearances"]["direct_pii"]["sensitive"] = "masked"
    data["groups"]["agencies"]["grants"][0]["purpose"] = "profiling"
    broken.write_text(yaml.safe_dump(data))
    with pytest.raises(AccessError, match=r"groups.agencies.grants.0.purpose"):
        load_policy()
