"""Two major versions of ``sales.sales_lines`` side by side on the tiny world.

In a copy of this project, ``sales.sales_lines`` moves to 2.0.0 and keeps version 1 beside
it as ``sales.sales_lines_v1`` (computed from version 2, published until a date); another
domain's product, ``customer_intelligence.rfm_segments``, is pinned to version 1 while
the rest read the current version. The whole mesh builds at the tiny scale with both
tables; ``mesh check`` warns the consumer's owner; once the window is over, loading the
sales location is refused, naming the consumer and its owner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.support.scratch_repo import copy_project

pytestmark = pytest.mark.slow

V1 = '''

from datetime import date as _date  # noqa: E402

from mesh_platform.contract import Deprecation  # noqa: E402


class SalesLinesV1(
    DataContract,
    domain="sales",
    product="sales_lines_v1",
    version="1.0.0",
    owner=SALES_REVENUE,
    grain=("sale_line_id",),
    deprecation=Deprecation(until=_date(UNTIL), replaced_by="sales.sales_lines"),
):
    """Sales lines as version 1 published them, computed from version 2."""

    sale_line_id: SaleLineId = column("Identifier of the line.")
    payer_customer_id: CustomerId = column(
        "Customer who pays.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    sale_date: Date = column("Day of the sale.")
    season: Season = column("Season of the stay's arrival, or of the sale date without stay.")
    amount_eur: MoneyEUR = column("Amount paid for the line, net of discount.")
    is_cancelled: bool = column("True when the line's contract is cancelled.")
'''

V1_SQL = (
    "SELECT sale_line_id, payer_customer_id, sale_date, season, amount_eur, is_cancelled\n"
    "FROM sales.sales_lines\n"
)


def with_version_1(repo: Path, until: str) -> None:
    """``sales.sales_lines`` at 2.0.0 with version 1 beside it until ``until``, and
    ``customer_intelligence.rfm_segments`` pinned to version 1."""
    contracts = repo / "contracts" / "sales.py"
    text = contracts.read_text()
    if "SalesLinesV1" in text:
        text = text[: text.index("\n\nfrom datetime import date as _date")]
    head = 'product="sales_lines",\n    version="1.0.0",'
    text = text.replace(head, 'product="sales_lines",\n    version="2.0.0",')
    contracts.write_text(text + V1.replace("UNTIL", until))
    (repo / "domains" / "sales" / "sql" / "sales_lines_v1.sql").write_text(V1_SQL)
    rfm = repo / "domains" / "customer_intelligence" / "sql" / "rfm_segments.sql"
    rfm.write_text(
        rfm.read_text()
        .replace("FROM sales.sales_lines\n", "FROM sales.sales_lines_v1\n")
        .replace("FROM sales.sales_lines AS l", "FROM sales.sales_lines_v1 AS l")
    )


def run(repo: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command of this environment on the copy's contracts and domains."""
    env = {**os.environ, "PYTHONPATH": str(repo), "MESH_STATE_DIR": str(state)}
    return subprocess.run(
        [sys.executable, *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


MESH = ("-c", "from mesh_platform.cli import app; app()")


def test_two_versions_side_by_side_then_the_window_closes(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    repo = copy_project(tmp_path_factory.mktemp("project"))
    state = tmp_path_factory.mktemp("state")
    with_version_1(repo, "2099, 12, 31")

    checked = run(repo, state, *MESH, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (
        "warning: customer_intelligence.rfm_segments (CRM Lab, crm-lab@trident.example): "
        "reads sales.sales_lines_v1 1.0.0" in checked.stderr
    )
    assert checked.stderr.count("warning:") == 1  # its owner only, once

    built = run(repo, state, *MESH, "build", "--scale", "tiny")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    connection = duckdb.connect(str(state / "warehouse.duckdb"), read_only=True)
    try:
        (v2,) = connection.execute("SELECT COUNT(*) FROM sales.sales_lines").fetchone() or (0,)
        (v1,) = connection.execute("SELECT COUNT(*) FROM sales.sales_lines_v1").fetchone() or (0,)
        (segments,) = connection.execute(
            "SELECT COUNT(*) FROM customer_intelligence.rfm_segments"
        ).fetchone() or (0,)
    finally:
        connection.close()
    assert v1 == v2 > 0
    assert segments > 0

    with_version_1(repo, "2020, 1, 31")
    refused = run(repo, state, "-c", "import domains.sales.definitions")
    assert refused.returncode != 0
    assert "(sales.sales_lines_v1): rule deprecation_expired: deprecated until 2020-01-31" in (
        refused.stderr
    )
    assert (
        "consumers still on it: customer_intelligence.rfm_segments (CRM Lab, "
        "crm-lab@trident.example)" in refused.stderr
    )
    loaded = run(repo, state, "-c", "import domains.customer_intelligence.definitions")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
