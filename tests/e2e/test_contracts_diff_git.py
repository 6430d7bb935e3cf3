"""``mesh contracts diff`` on a git history: a copy of this project, then two commits to
``sales.sales_lines``: dropping a column nobody reads (the gate passes, with a warning),
then one that another domain's products read (the gate fails, naming them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mesh_platform.cli import app
from tests.support.scratch_repo import copy_project, git

runner = CliRunner()
CONTRACT = "contracts/sales.py"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


def drop_column(repo: Path, name: str) -> None:
    """Commit ``contracts/sales.py`` without the declaration of ``SalesLines.<name>``."""
    path = repo / CONTRACT
    text = path.read_text()
    declaration = re.compile(rf"^    {name}: .*?(?=^    \w+: |^\n|^class )", re.S | re.M)
    assert len(declaration.findall(text)) == 1, name
    path.write_text(declaration.sub("", text, count=1))
    git(repo, "commit", "-q", "-am", f"Drop sales_lines.{name}")


def diff(repo: Path, *options: str) -> tuple[int, str]:
    base = [] if "--base" in options else ["--base", "HEAD~1"]
    result = runner.invoke(app, ["contracts", "diff", *base, "--repo", str(repo), *options])
    return result.exit_code, result.output


def test_the_gate_passes_on_an_unread_column_and_fails_on_a_read_one(repo: Path) -> None:
    drop_column(repo, "lesson_language")
    code, table = diff(repo, "--head", "HEAD")
    print(table)  # the passing report, as people see it
    assert code == 0, table
    assert "column_removed" in table
    assert "lesson_language" in table
    assert "warn" in table
    assert "nobody reads it" in table

    drop_column(repo, "amount_eur")
    code, table = diff(repo)
    print(table)  # the failing report
    assert code == 1, table
    code, output = diff(repo, "--json")
    assert code == 1
    report = json.loads(output)
    assert report["failed"] is True
    (product,) = report["products"]
    assert (product["product"], product["verdict"]) == ("sales.sales_lines", "fail")
    (change,) = product["changes"]
    assert (change["kind"], change["column"]) == ("column_removed", "amount_eur")
    consumers = {(c["product"], c["column"], c["team"]) for c in change["consumers"]}
    # Another domain's Python product declares it reads the column; sales' own SQL
    # product reads it too (in its select list, resolved against the base's columns).
    assert ("customer_intelligence.lead_scores", "amount_eur", "CRM Lab") in consumers
    assert any(c[0] == "sales.revenue_by_season" for c in consumers)
    assert all(c["contact"] for c in change["consumers"])

    # A head that is not checked out is read from git: the first commit alone passes.
    code, output = diff(repo, "--base", "HEAD~2", "--head", "HEAD~1", "--json")
    assert code == 0, output
    (product,) = json.loads(output)["products"]
    assert [c["column"] for c in product["changes"]] == ["lesson_language"]


def test_an_unknown_revision_is_refused(repo: Path) -> None:
    result = runner.invoke(app, ["contracts", "diff", "--base", "nope", "--repo", str(repo)])
    assert result.exit_code == 2
    assert "unknown revision" in result.output
