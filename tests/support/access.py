"""A small published replica for the access tests: three products, a few customers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mesh_platform.contract import DataContract
from mesh_platform.contract.registry import get_contract, load_contract_modules
from mesh_platform.derive.ddl import ddl_sql
from mesh_platform.engines.replica import ReplicaEntry, new_replica_file, now_iso, swap_in

PROFILES = [
    {
        "customer_id": "C000001",
        "household_id": "H000001",
        "customer_type": "PERSON",
        "last_name": "Martin",
        "email": "jeanne.martin@mail.example",
        "mobile_phone": "+33612345678",
        "market": "FR",
    },
    {
        "customer_id": "C000002",
        "household_id": "H000002",
        "customer_type": "PERSON",
        "last_name": "Durand",
        "email": "paul.durand@mail.example",
        "mobile_phone": "+33698765432",
        "market": "BE",
    },
]
IDENTITIES = [
    {"source_system": "crm", "source_customer_id": "S1", "customer_id": "C000001"},
]
VILLAGES = [
    {"village_id": "VAL", "village_name": "Valmorel", "country_code": "FR", "capacity_beds": 1200},
]


def publish(root: Path, contract: type[DataContract], rows: list[dict[str, Any]]) -> None:
    """Publish ``rows`` (the other columns NULL) as the product's replica."""
    meta = contract.meta()
    connection = duckdb.connect()
    try:
        connection.execute(ddl_sql(contract, "duckdb", enforce_not_null=False))
        frame = pd.DataFrame(rows)  # noqa: F841 - read by DuckDB by name
        connection.execute(
            f'INSERT INTO "{meta.domain}"."{meta.product}" BY NAME SELECT * FROM frame'
        )
        file = new_replica_file(root, meta.domain, meta.product, "fixture")
        connection.execute(f'COPY "{meta.domain}"."{meta.product}" TO \'{file}\' (FORMAT parquet)')
    finally:
        connection.close()
    entry = ReplicaEntry(
        meta.key, meta.domain, meta.product, file.relative_to(root).as_posix(), "fixture",
        len(rows), now_iso(),
    )  # fmt: skip
    swap_in(root, entry)


def publish_fixture(root: Path) -> None:
    """``customers.customer_profile`` (public, PII), ``customers.identity_resolution``
    (internal to customers) and ``resorts.villages`` (public, no PII)."""
    load_contract_modules()
    publish(root, get_contract("customers.customer_profile"), PROFILES)
    publish(root, get_contract("customers.identity_resolution"), IDENTITIES)
    publish(root, get_contract("resorts.villages"), VILLAGES)
