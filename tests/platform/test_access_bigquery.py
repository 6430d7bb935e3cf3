"""The access policy rendered for BigQuery (deploy/gcp/access.tf.json): up to date,
well-formed against the Terraform of deploy/gcp, granting what the policy says, with
the SQL it holds parsing as GoogleSQL and hashing as ``mesh query`` does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import pytest
import sqlglot

from mesh_platform.access.bigquery import GENERATED, HASH_BYTES, hmac_sql, render, render_text
from mesh_platform.access.policy import load_policy
from mesh_platform.access.views import HASH_CHARS
from mesh_platform.contract.registry import all_contracts, load_contract_modules

ROOT = Path(__file__).resolve().parents[2]
GCP = ROOT / "deploy" / "gcp"


@cache
def rendered() -> dict[str, Any]:
    load_contract_modules()
    return render(load_policy(), all_contracts())


def resources(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = rendered()["resource"].get(kind, {})
    return found


def test_the_committed_file_is_the_rendering() -> None:
    load_contract_modules()
    assert (ROOT / GENERATED).read_text() == render_text(load_policy(), all_contracts()), (
        "run `mesh access render-gcp`"
    )
    assert json.loads((ROOT / GENERATED).read_text()) == rendered()


def unquote(name: str) -> str:
    return name.strip('"')


def test_every_reference_is_declared_in_deploy_gcp() -> None:
    declared: dict[str, set[str]] = {"variable": set(), "locals": set(), "resource": set()}
    for path in sorted(GCP.glob("*.tf")):
        with path.open() as handle:
            blocks = hcl2.load(handle)
        declared["variable"] |= {unquote(k) for b in blocks.get("variable", []) for k in b}
        declared["locals"] |= {k for b in blocks.get("locals", []) for k in b}
        declared["resource"] |= {
            f"{unquote(kind)}.{unquote(name)}"
            for b in blocks.get("resource", [])
            for kind, named in b.items()
            for name in named
        }
    declared["variable"] |= set(rendered()["variable"])
    declared["resource"] |= {
        f"{kind}.{name}" for kind, named in rendered()["resource"].items() for name in named
    }
    text = json.dumps(rendered())
    assert set(re.findall(r"\bvar\.(\w+)", text)) <= declared["variable"]
    assert set(re.findall(r"\blocal\.(\w+)", text)) <= declared["locals"]
    used = set(re.findall(r"(?<![\w/.])(google_\w+\.\w+)(?=[.\[])", text))
    assert used <= declared["resource"], used - declared["resource"]


def test_raw_and_masked_grants_follow_the_policy() -> None:
    raw = set(resources("google_data_catalog_policy_tag_iam_member"))
    masked = set(resources("google_bigquery_datapolicy_data_policy_iam_member"))
    assert "call-centre-agents_direct_pii_raw" in raw
    assert "crm-analysts_indirect_pii_raw" in raw
    assert "crm-analysts_direct_pii_masked" in masked
    assert "agencies_indirect_pii_masked" in masked
    assert not any(name.startswith("agencies_direct_pii") for name in raw | masked)  # hidden
    assert not any(name.startswith("agencies_") for name in raw)
    member = resources("google_data_catalog_policy_tag_iam_member")[
        "call-centre-agents_direct_pii_raw"
    ]
    assert member["member"] == "group:call-centre-agents@trident-resorts.example"
    assert member["policy_tag"].endswith('classification["direct_pii"].name}')


def test_products_are_authorized_views_never_the_domain_datasets() -> None:
    load_contract_modules()
    views = resources("google_bigquery_table")
    assert set(views) == {
        f"{c.meta().domain}__{c.meta().product}" for c in all_contracts().values()
    }
    internal = views["customers__identity_resolution"]
    assert internal["dataset_id"] == "${google_bigquery_dataset.mesh_internal_customers.dataset_id}"
    assert views["resorts__villages"]["dataset_id"] == (
        "${google_bigquery_dataset.mesh_public.dataset_id}"
    )
    readers = {
        body["member"].split(":")[1].split("@")[0]
        for name, body in resources("google_bigquery_dataset_iam_member").items()
        if name.startswith("mesh_internal_customers_")
    }
    assert readers == {"team-customers", "data-protection-officer", "platform-admins"}
    assert set(resources("google_bigquery_dataset_access")) == set(views)
    text = json.dumps(rendered())
    assert "landing_" not in text  # no consumer grant on a landing dataset
    assert "google_bigquery_dataset_iam_member" not in json.dumps(
        {k: v for k, v in rendered()["resource"].items() if "product[" in json.dumps(v)}
    )


def test_the_sql_parses_as_googlesql() -> None:
    for view in resources("google_bigquery_table").values():
        query = view["view"][0]["query"].replace("${var.project_id}", "p")
        sqlglot.parse_one(query.replace("${var.dataset_prefix}", ""), read="bigquery")
    body = resources("google_bigquery_routine")["mask_hash"]["definition_body"]
    assert "${base64encode(var.masking_key)}" in body
    key = "${base64encode(var.masking_key)}"
    sqlglot.parse_one(f"SELECT {body.replace(key, 'a2V5')}", read="bigquery")


@pytest.mark.bigquery
def test_the_masking_routine_hashes_as_mesh_query(bigquery_emulator: Any) -> None:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    key = b"a-deployment-masking-key-0123456789"
    client = bigquery.Client(
        project="test",
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options=ClientOptions(api_endpoint=bigquery_emulator.endpoint),
    )
    sql = hmac_sql(base64.b64encode(key).decode(), "v")
    values = ["C000001", "jeanne.martin@mail.example", ""]
    for value in values:
        parameter = bigquery.ScalarQueryParameter("v", "STRING", value)
        job = bigquery.QueryJobConfig(query_parameters=[parameter])
        rows = list(client.query(f"SELECT {sql} AS h FROM (SELECT @v AS v)", job_config=job))
        expected = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:HASH_CHARS]
        assert rows[0]["h"] == expected
    assert HASH_CHARS == 2 * HASH_BYTES


def test_mesh_access_render_gcp_writes_and_checks(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mesh_platform.cli import app

    runner = CliRunner()
    (tmp_path / "deploy" / "gcp").mkdir(parents=True)
    stale = runner.invoke(app, ["access", "render-gcp", "--check", "--root", str(tmp_path)])
    assert stale.exit_code == 1
    assert "is stale: run `mesh access render-gcp`" in stale.stderr
    written = runner.invoke(app, ["access", "render-gcp", "--root", str(tmp_path)])
    assert written.exit_code == 0, written.output
    assert (tmp_path / GENERATED).read_text() == (ROOT / GENERATED).read_text()
    fresh = runner.invoke(app, ["access", "render-gcp", "--check", "--root", str(tmp_path)])
    assert fresh.exit_code == 0, fresh.output


def test_mesh_access_show_says_who_sees_what() -> None:
    from typer.testing import CliRunner

    from mesh_platform.cli import app

    result = CliRunner().invoke(app, ["access", "show", "customers.identity_resolution"])
    assert result.exit_code == 0, result.output
    assert "clearance direct_pii, internal to the customers domain" in " ".join(
        result.stdout.split()
    )
    assert "no access" in result.stdout
    unknown = CliRunner().invoke(app, ["access", "show", "customers.nothing"])
    assert unknown.exit_code == 2
    assert "no data product 'customers.nothing'" in unknown.stderr
