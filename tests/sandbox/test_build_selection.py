"""`mesh build --select`: a selection is checked before any work, and the landing is
simulated before the code locations are loaded (their modules would add to its peak)."""

from __future__ import annotations

from typing import Any

import pytest

from mesh_platform.domains import DOMAINS
from sandbox import build as building


class _Stop(Exception):
    """Ends a build once the step a test watches has run."""


def _refusal(check: Any, *args: Any) -> str | None:
    try:
        check(*args)
    except ValueError as error:
        return str(error)
    return None


def test_the_contracts_refuse_the_selections_the_locations_refuse() -> None:
    keys = building.product_order(building.mesh_definitions())
    products = [".".join(k.path) for k in keys]
    bad = ["nowhere", "sales.nothing", "sales.", "resorts.villages.x", "resorts/villages/x"]
    patterns = [
        *DOMAINS,
        *products,
        *(p.replace(".", "/") for p in products),
        *bad,
    ]
    for pattern in patterns:
        expected = _refusal(building.select_keys, keys, [pattern])
        assert _refusal(building.check_selection, [pattern]) == expected, pattern
        assert (expected is None) == (pattern not in bad), pattern
    assert _refusal(building.check_selection, []) is None
    both = _refusal(building.check_selection, ["resorts.villages", "nowhere"])
    assert both == "--select 'nowhere' matches no product"


def test_the_landing_is_simulated_before_the_locations_are_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps: list[str] = []

    def simulate_landing(*_: Any) -> dict[str, int]:
        steps.append("landing")
        return {}

    def mesh_definitions(*_: Any) -> Any:
        steps.append("locations")
        raise _Stop

    monkeypatch.setattr(building, "simulate_landing", simulate_landing)
    monkeypatch.setattr(building, "mesh_definitions", mesh_definitions)
    with pytest.raises(ValueError, match="'nowhere' matches no product"):
        building.build(scale="tiny", select=["nowhere"])
    assert steps == []  # refused before any work
    with pytest.raises(_Stop):
        building.build(scale="tiny", select=["resorts.villages"])
    assert steps == ["landing", "locations"]
    steps.clear()
    with pytest.raises(_Stop):
        building.build(select=["resorts.villages"], simulate=False)
    assert steps == ["locations"]
