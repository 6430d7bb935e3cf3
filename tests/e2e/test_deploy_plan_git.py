"""``mesh deploy plan`` on a git history: a copy of this project, then three commits (a
domain's SQL file, a contract, a platform module), each planned against the one before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.domains import DOMAINS
from tests.support.scratch_repo import copy_project, git

runner = CliRunner()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding this project's files (tracked, and new ones not ignored)."""
    return copy_project(tmp_path_factory.mktemp("project"))


def _commit(repo: Path, path: str, line: str, message: str) -> None:
    with (repo / path).open("a") as file:
        file.write(line)
    git(repo, "commit", "-q", "-am", message)


def _plan(repo: Path, *options: str) -> dict[str, object]:
    result = runner.invoke(
        app, ["deploy", "plan", "--base", "HEAD~1", "--repo", str(repo), *options]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in options else {"table": result.output}


def _actions(document: dict[str, object]) -> dict[str, str]:
    rows = document["locations"]
    assert isinstance(rows, list)
    return {row["location"]: row["action"] for row in rows}


def test_three_sample_changes(repo: Path) -> None:
    _commit(repo, "domains/sales/sql/revenue_by_season.sql", "-- by season\n", "Touch SQL")
    sql = _plan(repo, "--head", "HEAD", "--json")
    assert sql["redeploy"] == ["sales"]
    assert sql["notify"] == []
    assert _actions(sql)[SYSTEM_NAME] == "none"

    _commit(repo, "contracts/sales.py", "# sales contracts\n", "Touch a contract")
    contract = _plan(repo, "--json")
    assert contract["redeploy"] == ["sales"]
    # The domains whose products read a sales product: customer_intelligence's
    # rfm_segments (SQL) and lead_scores (Python). Campaigns reads rfm_segments, not sales.
    assert contract["notify"] == ["customer_intelligence"]
    reasons = next(r for r in contract["locations"] if r["location"] == "customer_intelligence")  # type: ignore[attr-defined]
    assert "sales.sales_lines" in reasons["reasons"][0]["detail"]

    _commit(repo, "platform/mesh_platform/wap.py", "# end\n", "Touch the platform")
    platform = _plan(repo, "--json")
    assert platform["redeploy"] == list(DOMAINS)
    assert platform["notify"] == []
    assert _actions(platform)[SYSTEM_NAME] == "none"

    table = _plan(repo)["table"]
    assert isinstance(table, str)
    assert "platform/mesh_platform/wap.py: platform" in table


def test_uncommitted_changes_count_by_default_and_a_foreign_head_is_refused(repo: Path) -> None:
    (repo / "tests" / "test_new.py").write_text("")
    (repo / "deploy" / "dagster" / "dagster.yaml").open("a").write("\n# more\n")
    try:
        document = _plan(repo, "--json")
        assert [c["path"] for c in document["changes"]] == [  # type: ignore[attr-defined]
            "deploy/dagster/dagster.yaml",
            "platform/mesh_platform/wap.py",
            "tests/test_new.py",
        ]
        assert _actions(document)[SYSTEM_NAME] == "redeploy"
        assert _plan(repo, "--head", "HEAD", "--json")["redeploy"] == list(DOMAINS)
    finally:
        git(repo, "checkout", "--", ".")
        (repo / "tests" / "test_new.py").unlink()
    refused = runner.invoke(
        app, ["deploy", "plan", "--base", "HEAD~2", "--head", "HEAD~1", "--repo", str(repo)]
    )
    assert refused.exit_code == 2
    assert "checked-out commit" in refused.output
    unknown = runner.invoke(app, ["deploy", "plan", "--base", "nope", "--repo", str(repo)])
    assert unknown.exit_code == 2


SYSTEM_NAME = "dagster"
