"""PII followed through lineage: a column computed from a PII column carries its class
unless the SQL hashes, buckets or aggregates it, and ``mesh check`` names the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.common import CRM_LAB
from mesh_platform.contract import Classification, DataContract, Privacy, all_contracts, column
from mesh_platform.definition.reader import DomainDefinition, read_sql
from mesh_platform.governance import Finding, definition_findings
from mesh_platform.privacy.pii_lineage import carried_pii


class MailReach(
    DataContract,
    domain="customer_intelligence",
    product="mail_reach",
    owner=CRM_LAB,
    grain=("city",),
    privacy=Privacy(min_group_size=10),
    register=False,
):
    """Per city, how many customers and addresses the CRM can write to."""

    city: str = column(
        "The customers' city.",
        classification=Classification.INDIRECT_PII,
        rationale="A city with few customers points at people.",
    )
    contact: str = column("A contact: the e-mail, its count, or its hash, by the case.")


def _findings(tmp_path: Path, sql: str) -> list[Finding]:
    path = tmp_path / "sql" / "mail_reach.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql)
    contracts = {**all_contracts(), MailReach.meta().key: MailReach}
    definition = read_sql(path, "customer_intelligence", contracts, contract=MailReach)
    assert definition.qualified is not None, definition.qualify_error
    domain = DomainDefinition("customer_intelligence", sql=(definition,))
    return [f for f in definition_findings([domain], contracts) if f.rule == "undeclared_pii"]


def test_an_email_passed_through_a_cte_is_caught_with_its_path(tmp_path: Path) -> None:
    sql = """
        WITH reachable AS (
          SELECT city, LOWER(TRIM(email)) AS mail FROM customers.customer_profile
          WHERE email_quality = 'valid'
        )
        SELECT city, ANY_VALUE(mail) AS contact FROM reachable GROUP BY city
    """
    (finding,) = _findings(tmp_path, sql)
    assert finding.product == "customer_intelligence.mail_reach"
    assert finding.column == "contact"
    assert (
        "carries direct_pii (customer_intelligence.mail_reach.contact ← reachable.mail ← "
        "customers.customer_profile.email) but the contract declares none"
    ) in finding.message


def test_a_count_of_distinct_emails_by_a_coarse_group_is_accepted(tmp_path: Path) -> None:
    sql = """
        WITH reachable AS (
          SELECT city, LOWER(TRIM(email)) AS mail FROM customers.customer_profile
        )
        SELECT city, CAST(COUNT(DISTINCT mail) AS STRING) AS contact
        FROM reachable GROUP BY city
    """
    assert _findings(tmp_path, sql) == []


@pytest.mark.parametrize(
    ("expression", "having", "found"),
    [
        ("CAST(AVG(EXTRACT(DAYOFYEAR FROM birth_date)) AS STRING)", "", True),
        ("CAST(AVG(EXTRACT(DAYOFYEAR FROM birth_date)) AS STRING)", "HAVING COUNT(*) >= 9", True),
        ("CAST(AVG(EXTRACT(DAYOFYEAR FROM birth_date)) AS STRING)", "HAVING COUNT(*) >= 10", False),
        ("MAX(email)", "HAVING COUNT(*) >= 10", True),
        ("CAST(EXTRACT(YEAR FROM MIN(birth_date)) AS STRING)", "", False),
        ("MAX(IF(email IS NULL, 'none', 'some'))", "", False),
    ],
)
def test_an_aggregate_hides_a_value_only_above_the_declared_group_size(
    tmp_path: Path, expression: str, having: str, found: bool
) -> None:
    sql = (
        f"SELECT city, {expression} AS contact FROM customers.customer_profile "
        f"GROUP BY city {having}"
    )
    assert bool(_findings(tmp_path, sql)) is found


def test_a_hash_makes_a_pseudonym_still_personal_data(tmp_path: Path) -> None:
    path = tmp_path / "sql" / "mail_reach.sql"
    path.parent.mkdir(parents=True)
    path.write_text("SELECT city, TO_HEX(SHA256(email)) AS contact FROM customers.customer_profile")
    contracts = {**all_contracts(), MailReach.meta().key: MailReach}
    definition = read_sql(path, "customer_intelligence", contracts, contract=MailReach)
    carried = {c.column: c.classification for c in carried_pii(definition, contracts)}
    assert carried == {
        "city": Classification.INDIRECT_PII,
        "contact": Classification.INDIRECT_PII,
    }


def test_a_struct_member_carries_only_its_own_upstream(tmp_path: Path) -> None:
    sql = """
        WITH a AS (
          SELECT customer_id, STRUCT(email AS mail, city AS town) AS address
          FROM customers.customer_profile
        )
        SELECT a.address.town AS city, a.customer_id AS contact FROM a
    """
    (finding,) = _findings(tmp_path, sql)
    assert finding.column == "contact"
    assert "indirect_pii" in finding.message


def test_a_walk_is_kept_by_content_and_walked_again_when_a_classification_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesh_platform.privacy import pii_lineage

    path = tmp_path / "sql" / "mail_reach.sql"
    path.parent.mkdir(parents=True)
    path.write_text(
        "SELECT city, ANY_VALUE(email) AS contact FROM customers.customer_profile GROUP BY city"
    )
    contracts = {**all_contracts(), MailReach.meta().key: MailReach}
    definition = read_sql(path, "customer_intelligence", contracts, contract=MailReach)
    assert definition.digest  # a complete reading, kept by content
    walked = carried_pii(definition, contracts, 10)
    assert [(c.column, c.classification) for c in walked] == [
        ("city", Classification.INDIRECT_PII),
        ("contact", Classification.DIRECT_PII),
    ]

    def no_walk(*_: object) -> list[object]:
        raise AssertionError("walked again")

    monkeypatch.setattr(pii_lineage, "_carried_pii", no_walk)
    assert carried_pii(definition, contracts, 10) == walked  # the kept walk
    # another group size, or the upstream's classifications changed: walked again
    with pytest.raises(AssertionError, match="walked again"):
        carried_pii(definition, contracts, 5)
    without_profile = {k: v for k, v in contracts.items() if k != "customers.customer_profile"}
    with pytest.raises(AssertionError, match="walked again"):
        carried_pii(definition, without_profile, 10)
