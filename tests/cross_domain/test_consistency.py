"""Cross-domain consistency of the built mesh: what one domain publishes agrees with what
the domains it reads publish.

Each domain's own tests prove its logic on hand-made rows; the contract checks prove
each product on its own (references included). These tests read the whole mesh built
at the tiny scale and check the promises that span domains: a consumer of media's
audiences relies on customers' consents and bookings' stays, resorts' occupancy counts
bookings' guests, and the lineage graph names every product read across domains.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from mesh_platform.contract import all_contracts
from mesh_platform.domains import DOMAINS
from mesh_platform.location import domain_products
from tests.support.tiny_mesh import TinyMesh

pytestmark = pytest.mark.slow


def _count(tiny_mesh: TinyMesh, query: str) -> int:
    (row,) = tiny_mesh.rows(query)
    return int(next(iter(row.values())))


def _holds(tiny_mesh: TinyMesh, *, population: str, violations: str, rule: str) -> None:
    """``population`` counts the rows a rule applies to (there must be some, or the test
    proves nothing); ``violations`` lists those that break it (there must be none)."""
    assert _count(tiny_mesh, population) > 0, f"{rule}: nothing to check in the tiny mesh"
    found = tiny_mesh.rows(violations)
    assert not found, f"{rule}: {found}"


def test_the_tiny_mesh_is_built(tiny_mesh: TinyMesh) -> None:
    failures = [f"{o.key}: {o.error}" for o in tiny_mesh.report.outcomes if not o.success]
    assert not failures, "\n".join(failures)


def test_lineage_names_every_product_read_across_domains(tiny_mesh: TinyMesh) -> None:
    """The last COMPLETE event of each product lists, as inputs, every upstream product
    its code location depends on: lineage and the asset graph tell the same story."""
    inputs: dict[str, set[str]] = {}
    for event in tiny_mesh.lineage_events():
        if event["eventType"] == "COMPLETE":
            inputs[event["job"]["name"]] = {dataset["name"] for dataset in event["inputs"]}
    missing = []
    crossing = 0
    for domain in DOMAINS:
        for product in domain_products(domain):
            key = product.contract.meta().key
            assert key in inputs, f"{key}: no COMPLETE lineage event"
            upstream = set(product.upstream_products) - {key}
            crossing += sum(1 for u in upstream if u.split(".", 1)[0] != domain)
            missing += [f"{key} <- {u}" for u in sorted(upstream - inputs[key])]
    assert crossing > 20, "the mesh reads few products across domains"
    assert not missing, f"upstream products absent from lineage inputs: {missing}"


def test_no_in_resort_offer_without_a_valid_advertising_consent(tiny_mesh: TinyMesh) -> None:
    _holds(
        tiny_mesh,
        population="""select count(*) from media.audience_suppression
                      where action = 'in_resort_offer'""",
        violations="""
        select s.customer_id
        from media.audience_suppression as s
        left join customers.customer_consent as c
          on c.customer_id = s.customer_id and c.channel = 'advertising'
        where s.action = 'in_resort_offer' and not coalesce(c.is_contactable, false)
        limit 5
        """,
        rule="offers to customers without consent",
    )


def test_every_customer_without_advertising_consent_is_suppressed_everywhere(
    tiny_mesh: TinyMesh,
) -> None:
    _holds(
        tiny_mesh,
        population="""select count(*) from customers.customer_consent
           where channel = 'advertising' and not is_contactable""",
        violations="""
        select c.customer_id, count(distinct s.audience) as audiences
        from customers.customer_consent as c
        left join media.audience_suppression as s
          on s.customer_id = c.customer_id
          and s.reason = 'no_consent' and s.action = 'suppress' and s.valid_to is null
        where c.channel = 'advertising' and not c.is_contactable
        group by c.customer_id
        having count(distinct s.audience) < 2
        limit 5
        """,
        rule="customers without consent still targeted",
    )


def test_already_booked_rows_name_a_live_stay_of_the_same_customer(tiny_mesh: TinyMesh) -> None:
    _holds(
        tiny_mesh,
        population="""select count(*) from media.audience_suppression
                      where reason = 'already_booked'""",
        violations="""
        select s.customer_id, s.booking_id, b.customer_id as booking_customer, b.status,
               s.valid_to, b.departure_date, s.village_id, b.village_id as booking_village
        from media.audience_suppression as s
        left join bookings.bookings as b on b.booking_id = s.booking_id
        where s.reason = 'already_booked'
          and (b.booking_id is null
               or b.customer_id <> s.customer_id
               or b.status <> 'confirmed'
               or b.departure_date <> s.valid_to
               or b.village_id <> s.village_id)
        limit 5
        """,
        rule="already_booked rows that bookings contradict",
    )


def test_every_confirmed_stay_not_ended_is_suppressed_from_booking_ads(
    tiny_mesh: TinyMesh,
) -> None:
    """A customer who has booked leaves the booking ads for the whole stay period."""
    _holds(
        tiny_mesh,
        population="""
           with today as (
             select cast(max(last_event_at) as date) as day from bookings.bookings
           )
           select count(*) from bookings.bookings, today
           where status = 'confirmed' and departure_date >= today.day""",
        violations="""
        with today as (select cast(max(last_event_at) as date) as day from bookings.bookings)
        select b.booking_id, b.customer_id, b.booking_date, b.departure_date
        from bookings.bookings as b, today
        where b.status = 'confirmed' and b.departure_date >= today.day
          and not exists (
            select 1 from media.audience_suppression as s
            where s.customer_id = b.customer_id and s.audience = 'booking_ads'
              and s.action = 'suppress' and s.reason = 'already_booked'
              and s.valid_from <= b.booking_date and s.valid_to >= b.departure_date)
        limit 5
        """,
        rule="live stays still shown booking ads",
    )


def test_occupancy_counts_the_guests_of_every_stay_night_by_night(tiny_mesh: TinyMesh) -> None:
    """resorts.village_occupancy recounted from bookings.bookings: on every open night,
    the guests and bookings of the confirmed stays covering it."""
    nights = _count(tiny_mesh, "select count(*) from resorts.village_occupancy")
    assert nights > 0
    mismatches = tiny_mesh.rows(
        """
        with stays as (
          select o.village_id, o.stay_date,
                 coalesce(sum(b.guests), 0) as guests, count(b.booking_id) as bookings
          from resorts.village_occupancy as o
          left join bookings.bookings as b
            on b.village_id = o.village_id and b.status <> 'cancelled'
            and b.arrival_date <= o.stay_date and o.stay_date < b.departure_date
          group by o.village_id, o.stay_date
        )
        select o.village_id, o.stay_date, o.beds_occupied, s.guests,
               o.bookings_staying, s.bookings
        from resorts.village_occupancy as o
        join stays as s using (village_id, stay_date)
        where o.beds_occupied <> s.guests or o.bookings_staying <> s.bookings
        limit 5
        """
    )
    assert not mismatches, f"occupancy disagrees with bookings: {mismatches}"
    occupied = _count(
        tiny_mesh, "select count(*) from resorts.village_occupancy where beds_occupied > 0"
    )
    assert occupied > 0


def test_return_rate_base_is_every_household_that_bought(tiny_mesh: TinyMesh) -> None:
    """campaigns.return_rate_animated's base for season S: the households of customers
    (customers.households) with a positive net purchase (sales.sales_lines) in S-1."""
    published = {
        (row["previous_season"]): int(row["households"])
        for row in tiny_mesh.rows(
            """select previous_season, sum(households) as households
               from campaigns.return_rate_animated group by previous_season"""
        )
    }
    assert published, "return_rate_animated is empty"
    recounted: dict[str, int] = defaultdict(int)
    for row in tiny_mesh.rows(
        """
        with bought as (
          select p.household_id, l.season
          from sales.sales_lines as l
          join customers.customer_profile as p on p.customer_id = l.payer_customer_id
          join customers.households as h on h.household_id = p.household_id
          where not l.is_cancelled
          group by p.household_id, l.season
          having sum(l.amount_eur) > 0
        )
        select season, count(*) as households from bought group by season
        """
    ):
        recounted[row["season"]] = int(row["households"])
    wrong = {s: (n, recounted.get(s)) for s, n in published.items() if recounted.get(s) != n}
    assert not wrong, f"base households (published, recounted) by season: {wrong}"


def test_every_reconciliation_declared_by_a_contract_holds_on_the_tiny_world(
    tiny_mesh: TinyMesh,
) -> None:
    """The promises contracts make to other domains, checked as the asset checks do."""
    from mesh_platform.engines.duckdb import DuckDBEngine
    from mesh_platform.products.reconcile import evaluate

    engine = DuckDBEngine(tiny_mesh.settings)
    declared = [
        (contract.meta(), r)
        for contract in all_contracts().values()
        for r in contract.meta().reconciliations
    ]
    assert declared, "no contract declares a reconciliation"
    for meta, reconciliation in declared:
        result = evaluate(meta, reconciliation, engine)
        assert result.metadata["evaluated"].value, (meta.key, reconciliation.name)
        assert result.passed, (meta.key, reconciliation.name, result.metadata)
