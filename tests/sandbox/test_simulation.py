"""The simulated landing zone: scales, determinism, coherence, dirtiness and calibration.

``tiny`` worlds check the mechanics (a second each); one ``small`` world, built
once for the module, checks the calibration on the seeds' figures within stated
tolerances.
"""

from __future__ import annotations

import hashlib
import itertools

import duckdb
import numpy as np
import polars as pl
import pytest

from mesh_platform.domains import DOMAINS
from mesh_platform.settings import get_settings
from sandbox.simulation import (
    SCALES,
    SEED_VOLUMES,
    Scale,
    SimulationReport,
    get_scale,
    simulate,
)
from sandbox.simulation.context import Context
from sandbox.simulation.planted import PLANTED_ODDS_RATIO, click_centre, planted_effect
from sandbox.simulation.products import core_size
from sandbox.simulation.randomness import Streams
from sandbox.simulation.resorts import build as build_villages
from sandbox.simulation.timeline import Timeline
from sandbox.simulation.writer import LandingWriter

LANDING_TABLES = {
    "landing_customers.client_extract_crm",
    "landing_customers.client_extract_booking",
    "landing_bookings.booking_contracts",
    "landing_bookings.booking_events",
    "landing_sales.sale_lines",
    "landing_products.catalogue",
    "landing_products.families",
    "landing_resorts.villages",
    "landing_resorts.capacity",
    "landing_reviews.surveys",
    "landing_campaigns.campaigns",
    "landing_campaigns.sends",
    "landing_campaigns.opens",
    "landing_campaigns.clicks",
    "landing_web.sessions",
    "landing_web.page_views",
    "landing_telephony.call_records",
    "landing_media.spend",
    "landing_media.exchange_rates",
    "landing_media.audiences",
    "landing_territory.iris_zones",
    "landing_territory.iris_enrichment",
}

# households: people sharing a normalised street line, postal code and country
HOUSEHOLD_MACROS = """
CREATE OR REPLACE TEMP MACRO norm(x) AS
    upper(strip_accents(trim(regexp_replace(x, '\\s+', ' ', 'g'))));
CREATE OR REPLACE TEMP MACRO household(line, postal, country) AS
    norm(line) || '|' || lpad(trim(postal), CASE WHEN upper(trim(country)) = 'FR' THEN 5
    ELSE 0 END, '0') || '|' || upper(trim(country));
CREATE OR REPLACE TEMP MACRO clean_email(x) AS
    CASE WHEN regexp_full_match(lower(trim(x)), '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}')
    THEN lower(trim(x)) END;
"""


def _run(scale: str, seed: int | None = None) -> tuple[duckdb.DuckDBPyConnection, SimulationReport]:
    connection = duckdb.connect()
    report = simulate(connection, scale, seed=seed)
    connection.execute(HOUSEHOLD_MACROS)
    return connection, report


def _value(connection: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return float(row[0])


def _checksum(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    frame = pl.from_arrow(connection.table(table).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return hashlib.sha256(frame.hash_rows(seed=1).to_numpy().tobytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny() -> tuple[duckdb.DuckDBPyConnection, SimulationReport]:
    get_settings.cache_clear()
    return _run("tiny")


@pytest.fixture(scope="module")
def small() -> duckdb.DuckDBPyConnection:
    connection, _ = _run("small")
    return connection


# --- scales ---------------------------------------------------------------------------


def test_the_seed_scale_reaches_the_seeds_volumes() -> None:
    seed = SCALES["seed"]
    assert seed.contacts >= SEED_VOLUMES["contacts"] == 272_012
    assert seed.sale_lines >= SEED_VOLUMES["sale_lines"] == 752_953
    assert seed.products >= SEED_VOLUMES["products"] == 40_494
    assert seed.campaign_sends >= SEED_VOLUMES["campaign_sends"] == 7_060_577
    assert seed.expected_opens >= SEED_VOLUMES["campaign_opens"] == 2_437_522
    assert seed.expected_clicks >= SEED_VOLUMES["campaign_clicks"] == 311_029


def test_large_is_ten_times_seed_and_scales_grow() -> None:
    seed, large = SCALES["seed"], SCALES["large"]
    for volume in ("contacts", "sale_lines", "products", "campaign_sends"):
        assert getattr(large, volume) == 10 * getattr(seed, volume)
    order = [SCALES[name] for name in ("tiny", "small", "seed", "large")]
    assert all(a.contacts < b.contacts for a, b in itertools.pairwise(order))


@pytest.mark.parametrize("name", list(SCALES))
def test_every_scale_holds_the_catalogue_core_and_five_seasons(name: str) -> None:
    scale = SCALES[name]
    ctx = Context(scale, Streams(1), Timeline.build(scale), LandingWriter(duckdb.connect()))
    assert scale.products >= core_size(build_villages(ctx), ctx.timeline.n_seasons)
    assert scale.season_labels == ("2019-20", "2020-21", "2021-22", "2022-23", "2023-24")
    assert str(scale.as_of) == "2024-10-31"


def test_an_unknown_scale_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown simulation scale 'huge'.*tiny, small, seed"):
        get_scale("huge")
    assert get_scale(SCALES["tiny"]) is SCALES["tiny"]
    assert isinstance(get_scale("small"), Scale)


# --- the report and the tables -------------------------------------------------------


def test_report_lists_every_landing_table_with_its_rows(
    tiny: tuple[duckdb.DuckDBPyConnection, SimulationReport],
) -> None:
    connection, report = tiny
    assert report.scale == "tiny"
    assert report.seed == get_settings().seed
    assert report.seasons == SCALES["tiny"].season_labels
    assert report.duration_seconds > 0
    assert set(report.tables) == LANDING_TABLES
    for table, rows in report.tables.items():
        assert rows > 0, table
        assert _value(connection, f"SELECT count(*) FROM {table}") == rows, table
    schemas = {table.split(".")[0].removeprefix("landing_") for table in report.tables}
    assert schemas <= set(DOMAINS)
    assert report.total_rows == sum(report.tables.values())


def test_exact_volumes_are_exact_and_floors_are_reached(
    tiny: tuple[duckdb.DuckDBPyConnection, SimulationReport],
) -> None:
    _, report = tiny
    scale = SCALES["tiny"]
    assert report.rows("landing_customers.client_extract_crm") == scale.contacts
    assert report.rows("landing_products.catalogue") == scale.products
    assert report.rows("landing_campaigns.sends") == scale.campaign_sends
    assert report.rows("landing_sales.sale_lines") >= scale.sale_lines


def test_every_column_has_a_concrete_type(
    tiny: tuple[duckdb.DuckDBPyConnection, SimulationReport],
) -> None:
    connection, _ = tiny
    types = connection.execute(
        "SELECT DISTINCT data_type FROM information_schema.columns "
        "WHERE table_schema LIKE 'landing_%'"
    ).fetchall()
    assert {t for (t,) in types} <= {
        "VARCHAR", "BIGINT", "INTEGER", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN",
    }  # fmt: skip


# --- determinism ----------------------------------------------------------------------

CHECKED = (
    "landing_customers.client_extract_crm",
    "landing_sales.sale_lines",
    "landing_campaigns.sends",
    "landing_bookings.booking_events",
    "landing_web.page_views",
)


def test_same_seed_same_world_other_seed_other_world(
    tiny: tuple[duckdb.DuckDBPyConnection, SimulationReport],
) -> None:
    connection, report = tiny
    again, report_again = _run("tiny", seed=report.seed)
    other, report_other = _run("tiny", seed=report.seed + 1)
    assert report_again.tables == report.tables
    for table in CHECKED:
        assert _checksum(again, table) == _checksum(connection, table), table
        assert _checksum(other, table) != _checksum(connection, table), table
    assert report_other.rows("landing_customers.client_extract_crm") == SCALES["tiny"].contacts


# --- one coherent world ---------------------------------------------------------------


def test_sources_refer_to_each_other(
    tiny: tuple[duckdb.DuckDBPyConnection, SimulationReport],
) -> None:
    connection, _ = tiny
    # every sale line of a contract names a contract of the extract and a known payer
    assert (
        _value(
            connection,
            "SELECT count(*) FROM landing_sales.sale_lines s WHERE s.contract_id IS NOT NULL "
            "AND s.contract_id NOT IN (SELECT booking_id FROM landing_bookings.booking_contracts)",
        )
        == 0
    )
    assert (
        _value(
            connection,
            "SELECT count(*) FROM landing_sales.sale_lines WHERE payer_account_code NOT IN "
            "(SELECT account_code FROM landing_customers.client_extract_booking)",
        )
        == 0
    )
    # villages, events and sends point to the same villages, bookings and contacts
    assert (
        _value(
            connection,
            "SELECT count(*) FROM landing_bookings.booking_contracts WHERE upper(village_code) "
            "NOT IN (SELECT village_code FROM landing_resorts.villages)",
        )
        == 0
    )
    events_known = _value(
        connection,
        "SELECT avg((booking_id IN (SELECT booking_id FROM landing_bookings.booking_contracts))"
        "::INT) FROM landing_bookings.booking_events",
    )
    assert 0.97 < events_known < 1.0  # the extraction day's bookings and test events
    sends_known = _value(
        connection,
        "SELECT avg((contact_id IN (SELECT contact_id FROM landing_customers.client_extract_crm))"
        "::INT) FROM landing_campaigns.sends",
    )
    assert 0.95 < sends_known <= 1.0  # contacts deleted on request since
    products_known = _value(
        connection,
        "SELECT avg((product_id IN (SELECT product_id FROM landing_products.catalogue))::INT) "
        "FROM landing_sales.sale_lines",
    )
    assert products_known > 0.99
    # web bookings end with a confirmation page of the booked village
    assert (
        _value(
            connection,
            "SELECT count(*) FROM landing_web.sessions s WHERE booking_id IS NOT NULL AND NOT "
            "EXISTS (SELECT 1 FROM landing_web.page_views p WHERE p.session_id = s.session_id "
            "AND p.page_type = 'booking_confirmation')",
        )
        == 0
    )
    assert _value(
        connection,
        "SELECT count(*) - (SELECT count(*) FROM landing_web.page_views) "
        "+ (SELECT sum(page_views) FROM landing_web.sessions) FROM landing_web.sessions",
    ) == _value(connection, "SELECT count(*) FROM landing_web.sessions")


def test_capacity_never_sells_more_beds_than_it_has(
    tiny: tuple[duckdb.DuckDBPyConnection, SimulationReport],
) -> None:
    connection, _ = tiny
    overbooked = _value(
        connection,
        """
        WITH nights AS (
            SELECT upper(c.village_code) AS village, n.night, c.nb_persons
            FROM landing_bookings.booking_contracts c,
                 generate_series(c.arrival_date, c.departure_date - 1, INTERVAL 1 DAY) n(night)
            WHERE c.status_code <> 'AN'
        )
        SELECT count(*) FROM (
            SELECT village, night::DATE AS night, sum(nb_persons) AS beds
            FROM nights GROUP BY ALL
        ) o JOIN landing_resorts.capacity k
          ON k.village_code = o.village AND k.capacity_date = o.night
        WHERE k.is_open AND o.beds > k.beds_available
        """,
    )
    assert overbooked == 0


# --- dirty like real extracts ---------------------------------------------------------


def test_extracts_are_dirty_but_resolvable(
    tiny: tuple[duckdb.DuckDBPyConnection, SimulationReport],
) -> None:
    connection, _ = tiny
    not_e164 = _value(
        connection,
        "SELECT avg((NOT regexp_full_match(mobile_phone, '\\+[1-9][0-9]{6,14}'))::INT) "
        "FROM landing_customers.client_extract_crm WHERE mobile_phone IS NOT NULL",
    )
    assert 0.3 < not_e164 < 1.0
    invalid_emails = _value(
        connection,
        "SELECT count(*) FROM landing_customers.client_extract_crm "
        "WHERE email IS NOT NULL AND clean_email(email) IS NULL",
    )
    assert invalid_emails > 0
    untidy_names = _value(
        connection,
        "SELECT count(*) FROM landing_customers.client_extract_booking "
        "WHERE last_name <> norm(last_name) AND upper(last_name) <> last_name",
    )
    assert untidy_names > 0
    # the same people in both sources under different raw identifiers
    shared = _value(
        connection,
        "SELECT count(*) FROM (SELECT DISTINCT clean_email(email) e "
        "FROM landing_customers.client_extract_crm) c JOIN (SELECT DISTINCT clean_email(email) e "
        "FROM landing_customers.client_extract_booking) b USING (e)",
    )
    assert shared > 0
    crm_duplicates = _value(
        connection,
        "SELECT count(*) FROM (SELECT clean_email(email) FROM "
        "landing_customers.client_extract_crm WHERE clean_email(email) IS NOT NULL "
        "GROUP BY 1 HAVING count(*) > 1)",
    )
    assert crm_duplicates > 0
    cancelled = _value(
        connection,
        "SELECT count(*) FROM landing_bookings.booking_contracts WHERE status_code = 'AN'",
    )
    assert cancelled > 0
    redelivered = _value(
        connection,
        "SELECT count(*) - count(DISTINCT message_id) FROM landing_bookings.booking_events",
    )
    assert redelivered > 0


def test_every_booking_account_of_a_crm_person_resolves(
    small: duckdb.DuckDBPyConnection,
) -> None:
    """A booking account matches a CRM record by e-mail, or by names, birth date and postal code."""
    matched = _value(
        small,
        """
        WITH b AS (
            SELECT account_code, clean_email(email) AS e, norm(last_name) AS ln,
                   norm(first_name) AS fn, try_strptime(birth_date, '%d/%m/%Y')::DATE AS bd,
                   lpad(zip_code, CASE WHEN country = 'FR' THEN 5 ELSE 0 END, '0') AS z
            FROM landing_customers.client_extract_booking
        ), c AS (
            SELECT clean_email(email) AS e, norm(last_name) AS ln, norm(first_name) AS fn,
                   nullif(birth_date, DATE '1900-01-01') AS bd,
                   lpad(postal_code, CASE WHEN upper(country_code) = 'FR' THEN 5 ELSE 0 END,
                        '0') AS z
            FROM landing_customers.client_extract_crm
        )
        SELECT avg((EXISTS (SELECT 1 FROM c WHERE c.e = b.e)
                 OR EXISTS (SELECT 1 FROM c WHERE c.ln = b.ln AND c.fn = b.fn AND c.bd = b.bd
                            AND c.z = b.z))::INT)
        FROM b
        """,
    )
    # about 4% of the people book through agencies without ever entering the CRM
    assert 0.93 < matched < 0.98


# --- calibration on the seeds' figures (small) ----------------------------------------


def test_three_percent_of_households_make_about_a_third_of_revenue(
    small: duckdb.DuckDBPyConnection,
) -> None:
    share = _value(
        small,
        """
        WITH revenue AS (
            SELECT household(b.address_1, b.zip_code, b.country) AS household,
                   sum(s.amount_incl_tax - s.discount_incl_tax) AS amount
            FROM landing_sales.sale_lines s
            JOIN landing_customers.client_extract_booking b
              ON b.account_code = s.payer_account_code
            WHERE coalesce(s.contract_status_code, '') <> 'AN'
              AND coalesce(s.arrival_date, s.sale_date) BETWEEN DATE '2019-11-01'
                  AND DATE '2024-10-31'
            GROUP BY 1 HAVING sum(s.amount_incl_tax - s.discount_incl_tax) > 0
        ), ranked AS (
            SELECT amount, row_number() OVER (ORDER BY amount DESC) AS r,
                   count(*) OVER () AS n FROM revenue
        )
        SELECT sum(amount) FILTER (WHERE r <= round(0.03 * n)) / sum(amount) FROM ranked
        """,
    )
    assert 0.28 <= share <= 0.40


def test_the_planted_effect_doubles_the_odds_and_keeps_the_rates() -> None:
    p = np.linspace(0.01, 0.9, 50)
    share = 0.25
    live, other = planted_effect(p, True, share), planted_effect(p, False, share)
    odds = (live / (1 - live)) / (other / (1 - other))
    assert odds == pytest.approx(np.full(p.size, PLANTED_ODDS_RATIO))
    # centred: the mean open rate over the sends hardly moves
    assert share * live[10] + (1 - share) * other[10] == pytest.approx(p[10], rel=0.03)
    # clicks after an open are centred further, so the clicks per send stay put
    opened = 0.35
    o_live, o_other = (
        planted_effect(np.array([opened]), True, share)[0],
        planted_effect(np.array([opened]), False, share)[0],
    )
    centre = click_centre(opened, share)
    click = np.array([0.01])
    per_send = (
        share * o_live * planted_effect(click, True, centre)[0]
        + (1 - share) * o_other * planted_effect(click, False, centre)[0]
    )
    assert per_send == pytest.approx(opened * click[0], rel=0.02)


def test_campaign_opens_and_clicks_follow_the_seed(small: duckdb.DuckDBPyConnection) -> None:
    sends = _value(small, "SELECT count(*) FROM landing_campaigns.sends")
    opens = _value(small, "SELECT count(*) FROM landing_campaigns.opens")
    clicks = _value(small, "SELECT count(*) FROM landing_campaigns.clicks")
    openers = _value(small, "SELECT sum(opener_flag) FROM landing_campaigns.sends")
    clickers = _value(
        small, "SELECT count(*) FILTER (WHERE click_count > 0) FROM landing_campaigns.sends"
    )
    assert 0.32 <= opens / sends <= 0.38
    assert 0.32 <= openers / sends <= 0.38
    assert 0.040 <= clicks / sends <= 0.048
    assert 0.040 <= clickers / sends <= 0.048
    assert _value(small, "SELECT sum(open_count) FROM landing_campaigns.sends") == opens
    assert _value(small, "SELECT sum(click_count) FROM landing_campaigns.sends") == clicks


def test_winter_goes_to_the_mountain_and_summer_to_the_sea(
    small: duckdb.DuckDBPyConnection,
) -> None:
    rows = small.execute(
        """
        SELECT v.village_type,
               avg((month(c.arrival_date) IN (12, 1, 2, 3, 4))::INT) AS winter_share
        FROM landing_bookings.booking_contracts c
        JOIN landing_resorts.villages v ON v.village_code = upper(c.village_code)
        GROUP BY 1
        """
    ).fetchall()
    winter_share = dict(rows)
    assert winter_share["MOUNTAIN"] > 0.8
    assert winter_share["SEA"] < 0.4
    peaks = dict(
        small.execute(
            "SELECT month(arrival_date), count(*) FROM landing_bookings.booking_contracts "
            "GROUP BY 1"
        ).fetchall()
    )
    assert peaks[2] > peaks[11]
    assert peaks[8] > peaks[11]


def test_about_seventy_villages_in_twenty_six_countries(small: duckdb.DuckDBPyConnection) -> None:
    villages, countries = small.execute(
        "SELECT count(*), count(DISTINCT country_code) FROM landing_resorts.villages"
    ).fetchall()[0]
    assert 65 <= villages <= 75
    assert countries == 26


def test_families_and_couples_travel(small: duckdb.DuckDBPyConnection) -> None:
    with_children = _value(
        small,
        "SELECT avg((nb_children > 0)::INT) FROM landing_bookings.booking_contracts",
    )
    couples = _value(
        small,
        "SELECT avg((nb_adults = 2 AND nb_children = 0)::INT) "
        "FROM landing_bookings.booking_contracts",
    )
    assert 0.25 <= with_children <= 0.6
    assert 0.15 <= couples <= 0.5


def test_households_reached_by_campaigns_return_more_often(
    small: duckdb.DuckDBPyConnection,
) -> None:
    """Return rate S-1 -> S of households animated in S-1 (a send) versus not, over the seasons."""
    rates = dict(
        small.execute(
            """
            WITH bought AS (
                SELECT DISTINCT household(b.address_1, b.zip_code, b.country) AS household,
                       year(s.arrival_date - INTERVAL 10 MONTH) AS season
                FROM landing_sales.sale_lines s
                JOIN landing_customers.client_extract_booking b
                  ON b.account_code = s.payer_account_code
                WHERE s.contract_status_code <> 'AN'
            ), animated AS (
                SELECT DISTINCT household(c.address_line1, c.postal_code, c.country_code)
                       AS household, year(s.sent_at - INTERVAL 10 MONTH) AS season
                FROM landing_campaigns.sends s
                JOIN landing_customers.client_extract_crm c USING (contact_id)
            )
            SELECT a.household IS NOT NULL AS animated,
                   avg((n.household IS NOT NULL)::INT) AS return_rate
            FROM bought p
            LEFT JOIN animated a USING (household, season)
            LEFT JOIN bought n ON n.household = p.household AND n.season = p.season + 1
            WHERE p.season BETWEEN 2019 AND 2022
            GROUP BY 1
            """
        ).fetchall()
    )
    assert rates[True] > rates[False] * 1.1


def test_segments_move_plausibly(small: duckdb.DuckDBPyConnection) -> None:
    """Over five seasons, most buying households come once or twice, a loyal core every season."""
    frequency = dict(
        small.execute(
            """
            WITH seasons AS (
                SELECT household(b.address_1, b.zip_code, b.country) AS household,
                       count(DISTINCT year(s.arrival_date - INTERVAL 10 MONTH)) AS f
                FROM landing_sales.sale_lines s
                JOIN landing_customers.client_extract_booking b
                  ON b.account_code = s.payer_account_code
                WHERE s.contract_status_code <> 'AN'
                  AND s.arrival_date BETWEEN DATE '2019-11-01' AND DATE '2024-10-31'
                GROUP BY 1
            )
            SELECT f, count(*) / sum(count(*)) OVER () FROM seasons GROUP BY 1
            """
        ).fetchall()
    )
    assert 0.4 <= frequency[1] <= 0.8
    assert frequency[1] > frequency[2] > frequency[3]
    assert 0 < frequency[5] < 0.1


def test_a_frame_is_written_a_chunk_at_a_time_with_the_same_rows() -> None:
    frame = pl.DataFrame({"n": list(range(10)), "name": [f"v{i}" for i in range(10)]})
    computed = {"loud": duckdb.FunctionExpression("upper", duckdb.ColumnExpression("name"))}
    tables = []
    for chunk_rows in (3, 10, 1_000):
        writer = LandingWriter(duckdb.connect(), chunk_rows=chunk_rows)
        writer.write("web", "visits", frame, computed=computed, drop=("n",))
        writer.write("web", "visits", frame.head(2), computed=computed, drop=("n",))  # appended
        assert writer.rows == {"landing_web.visits": 12}
        tables.append(
            writer.connection.sql("SELECT * FROM landing_web.visits ORDER BY rowid").fetchall()
        )
    assert tables[0] == tables[1] == tables[2]
    assert tables[0][:3] == [("v0", "V0"), ("v1", "V1"), ("v2", "V2")]
    assert [row[0] for row in tables[0]] == [f"v{i}" for i in (*range(10), 0, 1)]
    with pytest.raises(ValueError, match="at least one row, not 0"):
        LandingWriter(duckdb.connect(), chunk_rows=0)
