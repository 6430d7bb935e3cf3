"""The landing manifest is what SQL products may read (the sandbox's tests prove it is
what the simulation writes)."""

from __future__ import annotations

from mesh_platform.domains import DOMAINS
from mesh_platform.landing import landing_sources


def test_a_domain_sees_only_its_own_landing_tables() -> None:
    for domain in DOMAINS:
        sources = landing_sources(domain)
        assert set(sources) <= {f"landing_{domain}"}
    assert "sale_lines" in landing_sources("sales")["landing_sales"]
    assert landing_sources("customer_intelligence") == {}
