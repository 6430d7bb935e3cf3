"""``mesh query`` as directory users: the policy decides raw, masked or refused, read
from the real local directory at every query."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from ldap3 import MODIFY_ADD, MODIFY_DELETE
from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.settings import get_settings
from sandbox.services.ldap import LocalDirectory
from sandbox.services.ldap.organisation import group_dn
from tests.support.access import publish_fixture

runner = CliRunner()
PROFILE_SQL = "select customer_id, email, mobile_phone from customers.customer_profile order by 1"


@pytest.fixture(autouse=True)
def replica() -> Path:
    root = get_settings().published_dir
    publish_fixture(root)
    return root


def query(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["query", *args])
    return result.exit_code, result.stdout, result.stderr


def test_three_groups_see_raw_masked_and_refused(reader_env: Callable[[str], None]) -> None:
    reader_env("bob")  # call-centre agent: direct PII raw, for service
    code, out, err = query(PROFILE_SQL)
    assert code == 0, err
    assert "jeanne.martin@mail.example" in out
    assert "+33612345678" in out

    reader_env("alice")  # CRM analyst: identifiers raw, direct PII masked
    code, out, err = query(PROFILE_SQL, "--purpose", "analytics")
    assert code == 0, err
    assert "C000001" in out
    assert "jeanne.martin" not in out
    assert "j***@mail.example" in out  # an e-mail keeps its domain
    assert "***5678" in out  # a phone number its last four digits
    assert "+33612345678" not in out

    reader_env("carol")  # agency: direct PII hidden, identifiers hashed
    code, out, err = query(PROFILE_SQL)
    assert code == 1
    assert "customers.customer_profile.email is direct_pii" in err
    code, out, err = query("select customer_id, market from customers.customer_profile order by 2")
    assert code == 0, err
    assert "C000001" not in out
    key = b"a-test-masking-key-of-this-run"  # reader_env's
    assert hmac.new(key, b"C000001", hashlib.sha256).hexdigest()[:16] in out
    assert "BE" in out
    assert "FR" in out
    # hidden columns are not in the agency's view, even through a star
    code, _, err = query("select t.email from (select * from customers.customer_profile) t")
    assert code == 1
    assert "customers.customer_profile.email is direct_pii" in err
    code, out, err = query(
        "select t.email_quality from (select * from customers.customer_profile) t"
    )
    assert code == 0, err
    assert "2 row(s)" in out


def test_masked_identifiers_still_join(reader_env: Callable[[str], None]) -> None:
    reader_env("carol")
    code, out, err = query(
        "select count(*) as n from customers.customer_profile p "
        "join customers.customer_profile q using (customer_id)"
    )
    assert code == 0, err
    assert "│ 2 │" in out


def test_a_user_removed_from_a_group_loses_access_at_the_next_query(
    reader_env: Callable[[str], None], local_directory: LocalDirectory
) -> None:
    reader_env("ines")
    assert query(PROFILE_SQL)[0] == 0
    admin = local_directory.admin()
    member = "uid=ines,ou=people,dc=trident-resorts,dc=example"
    try:
        assert admin.modify(group_dn("call-centre-agents"), {"member": [(MODIFY_DELETE, [member])]})
        code, _, err = query(PROFILE_SQL)
        assert code == 1
        assert "no grant for the purpose" in err or "no purpose" in err
    finally:
        admin.modify(group_dn("call-centre-agents"), {"member": [(MODIFY_ADD, [member])]})
        admin.unbind()
    assert query(PROFILE_SQL)[0] == 0


def test_a_wrong_password_is_refused(reader_env: Callable[[str], None]) -> None:
    reader_env("bob")
    code, out, err = query(PROFILE_SQL, "--password", "not-bobs")
    assert code == 1
    assert "unknown user or wrong password" in err
    assert out == ""


def test_internal_products_only_for_their_domain(reader_env: Callable[[str], None]) -> None:
    sql = "select customer_id from customers.identity_resolution"
    reader_env("camille")  # customers team
    code, out, err = query(sql, "--purpose", "analytics")
    assert code == 0, err
    assert "C000001" in out
    reader_env("bastien")  # bookings team
    code, _, err = query(sql)
    assert code == 1
    assert "internal to the customers domain" in err


def test_an_admin_runs_as_another_user_audited(reader_env: Callable[[str], None]) -> None:
    reader_env("pat")
    code, out, err = query(PROFILE_SQL, "--as", "bob")
    assert code == 0, err
    assert "jeanne.martin@mail.example" in out
    assert "as bob" in out
    entries = [json.loads(line) for line in audit_log().read_text().splitlines()]
    assert entries[-1]["actor"] == "pat"
    assert entries[-1]["user"] == "bob"
    assert entries[-1]["impersonated"] is True
    assert entries[-1]["outcome"] == "ok"


def test_only_admins_run_as_another_user(reader_env: Callable[[str], None]) -> None:
    reader_env("alice")
    code, _, err = query(PROFILE_SQL, "--as", "bob")
    assert code == 1
    assert "may not run queries as another user" in err
    assert json.loads(audit_log().read_text().splitlines()[-1])["outcome"] == "refused"


def test_the_audit_log_only_grows(reader_env: Callable[[str], None]) -> None:
    reader_env("bob")
    query(PROFILE_SQL)
    first = audit_log().read_text()
    query("select 1; select 2")
    assert audit_log().read_text().startswith(first)
    assert len(audit_log().read_text().splitlines()) == 2


def audit_log() -> Path:
    return get_settings().state_dir / "access" / "audit.jsonl"


def test_an_interrupted_query_is_audited_as_such(reader_env: Callable[[str], None]) -> None:
    reader_env("bob")
    long = "select count(*) from range(1000000000000) a, range(1000) b where a.range < b.range"
    code, _, err = query(long, "--timeout", "0.3")
    assert code == 1
    assert "ran longer than 0.3 s" in err
    assert json.loads(audit_log().read_text().splitlines()[-1])["outcome"] == "interrupted"
    code, _, err = query("select 1", "--max-memory", "lots")
    assert code == 1
    assert "the query sandbox could not be set up" in err
