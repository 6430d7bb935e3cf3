"""Where a person's identifiers are held, found from the contracts and the SQL."""

from __future__ import annotations

from pathlib import Path

from mesh_platform.contract import all_contracts
from mesh_platform.definition.reader import read_sql
from mesh_platform.landing import landing_sources
from mesh_platform.privacy.identifiers import (
    LandingColumn,
    household_columns,
    landing_columns,
    person_columns,
)


def test_person_columns_come_from_the_semantic_type_or_a_reference_to_it() -> None:
    columns = person_columns(all_contracts())
    assert columns["customers.customer_profile"] == ("customer_id",)
    assert columns["customers.households"] == ("reference_customer_id",)
    assert columns["sales.sales_lines"] == ("payer_customer_id", "holder_customer_id")
    assert "resorts.villages" not in columns
    assert "customers.households" in household_columns(all_contracts())


def test_a_landing_column_joined_to_a_source_identifier_holds_one(tmp_path: Path) -> None:
    path = tmp_path / "sql" / "calls.sql"
    path.parent.mkdir()
    path.write_text(
        """
        WITH identities AS (
          SELECT source_customer_id, customer_id FROM customers.customer_identity_map
        ),
        calls AS (SELECT call_id, CAST(crm_contact_id AS STRING) AS contact
                  FROM landing_telephony.call_records)
        SELECT c.call_id, i.customer_id FROM calls AS c
        LEFT JOIN identities AS i ON i.source_customer_id = c.contact
        """
    )
    definition = read_sql(
        path,
        "telephony",
        all_contracts(),
        landing_sources("telephony"),
        contract=all_contracts()["telephony.calls"],
    )
    assert definition.qualified is not None, definition.qualify_error
    assert landing_columns([definition], all_contracts()) == [
        LandingColumn("landing_telephony.call_records", "crm_contact_id", "telephony.calls")
    ]
