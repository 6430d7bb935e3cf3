"""The landing columns of the whole mesh that hold a source record's identifier, read
from every domain's product definitions (what ``mesh gdpr`` and the local landing
simulation use; write-audit-publish does not need them)."""

from __future__ import annotations

from mesh_platform.contract import all_contracts
from mesh_platform.domains import DOMAINS
from mesh_platform.location import read_product_definitions
from mesh_platform.privacy.identifiers import LandingColumn, landing_columns


def mesh_landing_columns() -> list[LandingColumn]:
    """Every landing column of the mesh holding a source record's identifier."""
    contracts = all_contracts()
    definitions = [read_product_definitions(domain, contracts) for domain in DOMAINS]
    return landing_columns([sql for d in definitions for sql in d.sql], contracts)
