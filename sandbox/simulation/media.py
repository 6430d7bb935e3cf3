"""Paid media: daily spend reports, exchange rates and advertising audiences
(source family: media).

Media campaigns push stays to book (to prospects and known customers), offers for
a stay already booked, or the brand, on search, display, social and video
platforms, in each market's currency. Audiences are the lists of CRM contacts
uploaded to the platforms, matched on a hashed e-mail; they still contain people
who have already booked (whom booking ads should now leave alone) and a few
without a valid advertising consent.

Landing table ``landing_media.spend`` - one row per campaign, country and day as the
platform reports it (a few rows are reported twice).

    ======================= ========= ================================================
    column                  type      meaning
    ======================= ========= ================================================
    report_date             DATE      day of delivery
    platform                VARCHAR   GOOGLE_ADS, DV360, META, TIKTOK
    account_id              VARCHAR   advertiser account on the platform
    media_campaign_id       VARCHAR   ``MC`` + 5 digits
    campaign_name           VARCHAR   name on the platform (``FR_WINTER_SKI_PROSPECTING``)
    channel                 VARCHAR   SEARCH, DISPLAY, SOCIAL or VIDEO
    objective               VARCHAR   PROSPECTING_BOOKING, CUSTOMER_BOOKING,
                                      CUSTOMER_IN_RESORT or BRAND
    country_code            VARCHAR   market (ISO alpha-2)
    currency_code           VARCHAR   account currency (EUR, GBP, CHF, USD, CAD, BRL, CNY)
    impressions             BIGINT
    clicks                  BIGINT
    cost_micros             BIGINT    cost in millionths of the account currency
    conversions             DOUBLE    platform-attributed bookings (fractional)
    conversion_value_micros BIGINT    their value, millionths of the account currency
    ======================= ========= ================================================

Landing table ``landing_media.exchange_rates`` - daily reference rates:
``rate_date`` DATE, ``currency_code`` VARCHAR, ``eur_per_unit`` DOUBLE (euros for
one unit of the currency; 1 for EUR).

Landing table ``landing_media.audiences`` - one row per contact uploaded to an audience.

    ============== ========= ======================================================
    column         type      meaning
    ============== ========= ======================================================
    audience_id    VARCHAR   ``AUD`` + 4 digits
    audience_name  VARCHAR   ``BOOKING_PROSPECTS_MOUNTAIN``, ``IN_RESORT_OFFERS``...
    platform       VARCHAR   GOOGLE_ADS, DV360, META, TIKTOK
    audience_type  VARCHAR   BOOKING_ADS or IN_RESORT_OFFERS
    contact_id     BIGINT    CRM contact uploaded
    added_at       TIMESTAMP upload time, UTC
    hashed_email   VARCHAR   SHA-256 (hex) of the lower-cased, trimmed e-mail
    ============== ========= ======================================================
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from sandbox.simulation.context import Context
from sandbox.simulation.customers import CrmView
from sandbox.simulation.frames import dates, frame, numbered, pick, timestamps
from sandbox.simulation.places import MARKETS
from sandbox.simulation.population import Population
from sandbox.simulation.randomness import choose
from sandbox.simulation.stays import Stays
from sandbox.simulation.timeline import DAY

PLATFORMS = ("GOOGLE_ADS", "DV360", "META", "TIKTOK")
CHANNELS = ("SEARCH", "DISPLAY", "SOCIAL", "VIDEO")
OBJECTIVES = ("PROSPECTING_BOOKING", "CUSTOMER_BOOKING", "CUSTOMER_IN_RESORT", "BRAND")
THEMES = ("SKI", "SUN", "FAMILY", "ALL")
EUR_PER_UNIT = {
    "EUR": 1.0,
    "CHF": 1.02,
    "GBP": 1.16,
    "USD": 0.91,
    "CAD": 0.67,
    "BRL": 0.18,
    "CNY": 0.13,
}
CAMPAIGNS_PER_SEASON = 36


def run(ctx: Context, pop: Population, view: CrmView, stays: Stays) -> None:
    """Write spend, exchange rates and audiences."""
    rates = _exchange_rates(ctx)
    _spend(ctx, rates)
    _audiences(ctx, pop, view, stays)


def _exchange_rates(ctx: Context) -> np.ndarray:
    tl = ctx.timeline
    rng = ctx.streams("media.fx")
    days = tl.days[: tl.as_of_index + 1]
    currencies = list(EUR_PER_UNIT)
    walk = np.exp(np.cumsum(rng.normal(0, 0.004, (len(currencies), days.size)), axis=1))
    rates = np.array([EUR_PER_UNIT[c] for c in currencies])[:, None] * walk
    rates[0] = 1.0
    ctx.writer.write(
        "media",
        "exchange_rates",
        frame(
            {
                "rate_date": dates(np.tile(days, len(currencies))),
                "currency_code": pick(currencies, np.repeat(np.arange(len(currencies)), days.size)),
                "eur_per_unit": np.round(rates.reshape(-1), 6),
            }
        ),
    )
    return rates


def _spend(ctx: Context, rates: np.ndarray) -> None:
    tl = ctx.timeline
    rng = ctx.streams("media.spend")
    n_c = CAMPAIGNS_PER_SEASON * ctx.scale.seasons
    season = np.repeat(np.arange(ctx.scale.seasons), CAMPAIGNS_PER_SEASON)
    market = choose(rng, [m.weight for m in MARKETS], n_c)
    platform = choose(rng, [0.4, 0.2, 0.3, 0.1], n_c)
    channel = np.select(
        [platform == 0, platform == 1, platform == 2],
        [np.where(rng.random(n_c) < 0.85, 0, 3), np.where(rng.random(n_c) < 0.7, 1, 3), 2],
        default=np.where(rng.random(n_c) < 0.5, 2, 3),
    )
    objective = choose(rng, [0.55, 0.2, 0.12, 0.13], n_c)
    winter = rng.random(n_c) < 0.55
    theme = np.where(
        winter, choose(rng, [0.7, 0.1, 0.1, 0.1], n_c), choose(rng, [0.0, 0.6, 0.25, 0.15], n_c)
    )
    season_start = np.array(
        [tl.index_of(tl.scale.start) + 365 * s for s in range(ctx.scale.seasons)]
    )
    start = season_start[season] - 75 + np.where(winter, 0, 120) + rng.integers(0, 90, n_c)
    length = rng.integers(25, 120, n_c)
    start = np.clip(start, 0, tl.as_of_index - 2)
    end = np.minimum(start + length, tl.as_of_index)
    days_n = end - start
    rows = np.repeat(np.arange(n_c), days_n)
    first = np.concatenate([[0], np.cumsum(days_n)[:-1]])
    day = start[rows] + np.arange(rows.size) - first[rows]
    m = rows.size
    currencies = list(EUR_PER_UNIT)
    cur = np.array(
        [currencies.index(mk.currency) if mk.currency in EUR_PER_UNIT else 0 for mk in MARKETS]
    )[market]
    budget_eur = (
        rng.lognormal(np.log(900), 0.6, n_c)
        * max(ctx.volume, 0.005)
        * np.where(objective == 0, 1.5, 1.0)
    )
    spend_eur = (
        budget_eur[rows] * rng.lognormal(0, 0.25, m) * np.where(tl.weekday[day] >= 5, 0.8, 1.0)
    )
    rate = rates[cur[rows], np.minimum(day, rates.shape[1] - 1)]
    cpm = np.array([9.0, 3.5, 6.0, 11.0])[channel[rows]]
    impressions = np.floor(spend_eur / cpm * 1000).astype(np.int64)
    ctr = np.array([0.045, 0.003, 0.009, 0.004])[channel[rows]] * rng.lognormal(0, 0.2, m)
    clicks = rng.binomial(impressions, np.minimum(ctr, 0.5))
    cvr = np.where(objective[rows] == 3, 0.002, 0.012)
    conversions = np.round(clicks * cvr * rng.lognormal(0, 0.4, m), 2)
    value_eur = conversions * rng.lognormal(np.log(4200), 0.3, m)
    codes = [mk.country for mk in MARKETS]
    name = (
        pick(codes, market)
        + pl.Series(np.where(winter, "_WINTER_", "_SUMMER_"))
        + pick(THEMES, theme)
        + pl.Series(["_"] * n_c)
        + pick(OBJECTIVES, objective)
    )
    spend = frame(
        {
            "report_date": dates(tl.days[day]),
            "platform": pick(PLATFORMS, platform[rows]),
            "account_id": pl.Series(["ACC-" + c for c in codes]).gather(market[rows]),
            "media_campaign_id": numbered("MC", rows + 1, 5),
            "campaign_name": name.gather(rows),
            "channel": pick(CHANNELS, channel[rows]),
            "objective": pick(OBJECTIVES, objective[rows]),
            "country_code": pick(codes, market[rows]),
            "currency_code": pick(currencies, cur[rows]),
            "impressions": impressions,
            "clicks": clicks.astype(np.int64),
            "cost_micros": np.round(spend_eur / rate * 1e6).astype(np.int64),
            "conversions": conversions,
            "conversion_value_micros": np.round(value_eur / rate * 1e6).astype(np.int64),
        }
    )
    missing = rng.random(m) < 0.01
    spend = spend.filter(pl.Series(~missing))
    twice = spend.filter(pl.Series(rng.random(spend.height) < 0.003))
    ctx.writer.write("media", "spend", pl.concat([spend, twice]))


def _audiences(ctx: Context, pop: Population, view: CrmView, stays: Stays) -> None:
    tl = ctx.timeline
    rng = ctx.streams("media.audiences")
    crm, hh = pop.crm, pop.households
    alive = ~crm.erased & view.email_usable
    consent = pop.persons.ads_opt_in[crm.person] | (rng.random(crm.n) < 0.02)
    eligible = np.flatnonzero(alive & consent & (rng.random(crm.n) < 0.8))
    h = pop.persons.household[crm.person[eligible]]
    mountain = rng.random(eligible.size) < hh.pref_mountain[h]
    audience = np.where(mountain, 0, 1)
    # people with a stay coming up also get the in-resort audience
    cutoff = tl.as_of_seconds
    upcoming = np.zeros(pop.persons.n, dtype=bool)
    soon = (
        (stays.cancelled < 0)
        & (tl.days[stays.arrival] * DAY > cutoff - 14 * DAY)
        & (stays.created < cutoff)
    )
    upcoming[stays.payer[soon]] = True
    upcoming[stays.holder[soon]] = True
    extra = eligible[upcoming[crm.person[eligible]]]
    members = np.concatenate([eligible, extra])
    kind = np.concatenate([audience, np.full(extra.size, 2)])
    platform = choose(rng, [0.45, 0.2, 0.3, 0.05], members.size)
    audience_id = kind * 4 + platform + 1
    names = ("BOOKING_PROSPECTS_MOUNTAIN", "BOOKING_PROSPECTS_SUN", "IN_RESORT_OFFERS")
    added = cutoff - (rng.random(members.size) * 200 * DAY).astype(np.int64)
    out = frame(
        {
            "audience_id": numbered("AUD", audience_id, 4),
            "audience_name": pick(names, kind),
            "platform": pick(PLATFORMS, platform),
            "audience_type": pick(("BOOKING_ADS", "BOOKING_ADS", "IN_RESORT_OFFERS"), kind),
            "contact_id": crm.contact_id[members],
            "added_at": timestamps(added),
            "email": view.email.gather(members),
        }
    )
    email = duckdb.ColumnExpression("email")
    hashed = duckdb.FunctionExpression(
        "sha256", duckdb.FunctionExpression("lower", duckdb.FunctionExpression("trim", email))
    )
    ctx.writer.write("media", "audiences", out, computed={"hashed_email": hashed}, drop=("email",))
