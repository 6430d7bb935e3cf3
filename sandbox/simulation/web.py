"""Web analytics: sessions and page views (source family: web).

Sessions come from campaign clicks, from the customers preparing and making their
bookings (every web booking ends with a confirmation page), from paid media and
from everyday browsing, by identified customers and anonymous visitors. What an
identified visitor looks at follows the household's tastes: sea or mountain,
winter or summer, family or couple.

Landing table ``landing_web.sessions`` - one row per visit.

    ================ ========= ====================================================
    column           type      meaning
    ================ ========= ====================================================
    session_id       VARCHAR   ``WS`` + 12 digits, in start order
    visitor_id       VARCHAR   first-party cookie (``GA1.2.<digits>``)
    contact_id       BIGINT    CRM contact of a logged-in or recognised visitor
    started_at       TIMESTAMP first hit, UTC
    ended_at         TIMESTAMP last hit, UTC
    platform         VARCHAR   web, ios_app or android_app
    device_category  VARCHAR   desktop, mobile or tablet
    source           VARCHAR   utm source (``google``, ``crm``, ``(direct)``...)
    medium           VARCHAR   utm medium (``organic``, ``cpc``, ``email``, ``sms``,
                               ``paid_social``, ``display``, ``referral``, ``(none)``)
    campaign         VARCHAR   utm campaign: CRM campaign number or media campaign id
    geo_country      VARCHAR   ISO alpha-2 country of the visit (``ZZ``: unknown)
    language         VARCHAR   site language (``fr``, ``en``...)
    landing_page     VARCHAR   path of the first page
    page_views       INTEGER   pages viewed
    booking_id       VARCHAR   booking confirmed during the session, else null
    ================ ========= ====================================================

Landing table ``landing_web.page_views`` - one row per page viewed.

    ===================== ========= ================================================
    column                type      meaning
    ===================== ========= ================================================
    session_id            VARCHAR   the session
    hit_number            INTEGER   order in the session, from 1
    viewed_at             TIMESTAMP UTC
    page_path             VARCHAR   path (``/fr/villages/val-thorens``)
    page_type             VARCHAR   home, village, search, offer, booking_step,
                                    booking_confirmation, content, account
    village_code          VARCHAR   village of a village page (case varies)
    search_arrival_date   DATE      arrival date entered in the search form
    search_adults         INTEGER   adults entered in the search form
    search_children       INTEGER   children entered in the search form
    time_on_page_seconds  INTEGER   time before the next hit
    ===================== ========= ================================================
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sandbox.simulation.campaigns import CampaignOutcome
from sandbox.simulation.context import Context
from sandbox.simulation.dirt import ascii_slug
from sandbox.simulation.frames import (
    concat,
    dates,
    frame,
    numbered,
    pick,
    timestamps,
    with_nulls,
)
from sandbox.simulation.places import MARKETS, VILLAGES
from sandbox.simulation.population import LANGUAGES, Population
from sandbox.simulation.randomness import choose
from sandbox.simulation.resorts import Villages
from sandbox.simulation.stays import Stays
from sandbox.simulation.timeline import DAY

PAGE_TYPES = (
    "home",
    "village",
    "search",
    "offer",
    "booking_step",
    "booking_confirmation",
    "content",
    "account",
)
_TRAFFIC = (
    ("crm", "email"),
    ("crm", "sms"),
    ("google", "organic"),
    ("google", "cpc"),
    ("facebook", "paid_social"),
    ("dv360", "display"),
    ("(direct)", "(none)"),
    ("partenaire.example", "referral"),
    ("bing", "organic"),
)
_OFFERS = ("ski", "ete", "famille", "derniere-minute", "early-booking", "bien-etre")
_CONTENT = ("blog/ski-debutant", "blog/vacances-en-famille", "a-propos", "faq", "activites")


def run(
    ctx: Context,
    pop: Population,
    villages: Villages,
    stays: Stays,
    campaigns: CampaignOutcome,
) -> None:
    """Generate and write sessions and page views."""
    tl = ctx.timeline
    rng = ctx.streams("web.sessions")
    persons = pop.persons
    primary = _primary_contact(pop)
    cutoff = tl.end_of_as_of_seconds
    parts: list[dict[str, np.ndarray]] = []

    # A. campaign clicks open sessions on the featured page
    clicks = campaigns.clicks
    keep = rng.random(clicks["person"].size) < 0.9
    cp = clicks["person"][keep]
    parts.append(
        _part(
            rng,
            person=cp,
            start=clicks["time"][keep] + 5,
            identified=rng.random(cp.size) < 0.65,
            traffic=np.where(clicks["channel"][keep] == 1, 1, 0),
            campaign=clicks["campaign_number"][keep],
            village=clicks["village"][keep],
            landing=np.where(clicks["village"][keep] >= 0, 1, 3),
        )
    )
    # B. booking journeys: research sessions, and the booking itself on the web
    web = np.flatnonzero(stays.channel == 0)
    parts.append(
        _part(
            rng,
            person=stays.payer[web],
            start=stays.created[web] - rng.integers(300, 2400, web.size),
            identified=np.ones(web.size, dtype=bool),
            traffic=choose(rng, [0, 0, 0.35, 0.2, 0.05, 0.0, 0.4, 0.0, 0.0], web.size),
            village=stays.village[web],
            landing=np.where(rng.random(web.size) < 0.5, 0, 1),
            booking=web,
        )
    )
    research = np.repeat(np.arange(stays.n), rng.poisson(1.4, stays.n))
    parts.append(
        _part(
            rng,
            person=stays.payer[research],
            start=stays.created[research]
            - (rng.uniform(0.1, 45, research.size) * DAY).astype(np.int64),
            identified=rng.random(research.size) < 0.55,
            traffic=choose(rng, [0, 0, 0.35, 0.2, 0.08, 0.04, 0.3, 0.03, 0.0], research.size),
            village=np.where(rng.random(research.size) < 0.7, stays.village[research], -1),
            landing=choose(rng, [0.3, 0.4, 0.1, 0.2], research.size),
            search_day=tl.days[stays.arrival[research]],
            search_stay=research,
        )
    )
    used = sum(p["person"].size for p in parts)
    fill = max(ctx.scale.web_sessions - used, ctx.scale.web_sessions // 10)
    # C. everyday browsing by known people, D. anonymous visitors (organic, paid)
    known = fill * 45 // 100
    weights = np.exp(0.5 * persons.engagement) * np.where(persons.in_crm, 1.0, 0.2)
    who = choose(rng, weights, known)
    start = _random_times(rng, tl.days[0], tl.days[tl.as_of_index], known)
    parts.append(
        _part(
            rng,
            person=who,
            start=start,
            identified=rng.random(known) < 0.5,
            traffic=choose(rng, [0, 0, 0.35, 0.1, 0.08, 0.04, 0.38, 0.02, 0.03], known),
            village=-1 * np.ones(known, dtype=np.int64),
            landing=choose(rng, [0.4, 0.3, 0.1, 0.1, 0.1], known),
        )
    )
    anonymous = fill - known
    start = _random_times(rng, tl.days[0], tl.days[tl.as_of_index], anonymous)
    parts.append(
        _part(
            rng,
            person=np.full(anonymous, -1),
            start=start,
            identified=np.zeros(anonymous, dtype=bool),
            traffic=choose(rng, [0, 0, 0.3, 0.2, 0.15, 0.1, 0.2, 0.03, 0.02], anonymous),
            village=-1 * np.ones(anonymous, dtype=np.int64),
            landing=choose(rng, [0.35, 0.35, 0.1, 0.2], anonymous),
        )
    )
    # the sessions inside the timeline, by start time (stable), one field at a time: the
    # parts, their concatenation and its reordered copy are never all held at once
    start = np.concatenate([p["start"] for p in parts])
    inside = np.flatnonzero((start >= tl.days[0] * DAY) & (start <= cutoff - 3600))
    take = inside[np.argsort(start[inside], kind="stable")]
    del start, inside
    dtypes = {k: v.dtype for k, v in parts[0].items()}
    s = {k: _narrowed(np.concatenate([p.pop(k) for p in parts])[take]) for k in list(parts[0])}
    del parts, take
    # sessions are written in batches so that their page views fit in memory
    batch = max(ctx.scale.write_chunk_rows // 5, 1)
    for number, lo in enumerate(range(0, s["start"].size, batch)):
        part = {k: v[lo : lo + batch].astype(dtypes[k]) for k, v in s.items()}
        _write(ctx, pop, villages, stays, s=part, primary=primary, offset=lo, batch=number)


_HOURS = [
    0.3,
    0.2,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1,
    1.5,
    2,
    2,
    2,
    2.2,
    2,
    2,
    2,
    2,
    2.2,
    2.5,
    3,
    3.2,
    3,
    2,
    1,
]
"""Relative traffic of each hour of the day (UTC)."""


def _random_times(rng: np.random.Generator, first_day: int, last_day: int, n: int) -> np.ndarray:
    """Visit times spread over the days, busier in the evening."""
    day = rng.integers(first_day, last_day, n)
    return np.asarray(day * DAY + choose(rng, _HOURS, n) * 3600 + rng.integers(0, 3600, n))


def _narrowed(values: np.ndarray) -> np.ndarray:
    """A field of every session as it is held through the batches: in 32 bits when its
    values fit (each batch widens its own rows back), else as it is. At ``large``, ten
    million sessions' eleven fields held 0.7 GB in 64 bits."""
    narrow = np.iinfo(np.int32)
    if values.dtype != np.int64 or not values.size:
        return values
    if narrow.min <= values.min() and values.max() <= narrow.max:
        return values.astype(np.int32)
    return values


def _part(
    rng: np.random.Generator,
    *,
    person: np.ndarray,
    start: np.ndarray,
    identified: np.ndarray,
    traffic: np.ndarray,
    village: np.ndarray,
    landing: np.ndarray,
    campaign: np.ndarray | None = None,
    booking: np.ndarray | None = None,
    search_day: np.ndarray | None = None,
    search_stay: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    n = person.size
    return {
        "person": person.astype(np.int64),
        "start": start.astype(np.int64),
        "identified": identified & (person >= 0),
        "traffic": traffic.astype(np.int64),
        "campaign": campaign.astype(np.int64) if campaign is not None else np.full(n, -1),
        "village": village.astype(np.int64),
        "landing": landing.astype(np.int64),
        "booking": booking.astype(np.int64) if booking is not None else np.full(n, -1),
        "search_day": search_day.astype(np.int64) if search_day is not None else np.full(n, -1),
        "search_stay": search_stay.astype(np.int64) if search_stay is not None else np.full(n, -1),
        "app": rng.random(n) < 0.12,
    }


def _primary_contact(pop: Population) -> np.ndarray:
    """Each person's first CRM contact id (-1 for people unknown to the CRM)."""
    crm = pop.crm
    out = np.full(pop.persons.n, -1, dtype=np.int64)
    base = ~crm.duplicate
    out[crm.person[base]] = crm.contact_id[base]
    return out


def _write(
    ctx: Context,
    pop: Population,
    villages: Villages,
    stays: Stays,
    *,
    s: dict[str, np.ndarray],
    primary: np.ndarray,
    offset: int,
    batch: int,
) -> None:
    """Write one batch of sessions (numbered from ``offset``) and their page views."""
    rng = ctx.streams("web.pages", batch)
    persons, hh = pop.persons, pop.households
    n = s["person"].size
    known = s["person"] >= 0
    h = np.where(known, persons.household[np.maximum(s["person"], 0)], -1)
    market = np.where(
        known, hh.market[np.maximum(h, 0)], choose(rng, [m.weight for m in MARKETS], n)
    )
    lang = np.where(known, hh.language[np.maximum(h, 0)], 0)
    booking = s["booking"] >= 0
    # how many pages, and the session's focus village
    views = np.where(
        booking,
        rng.integers(6, 13, n),
        np.where(rng.random(n) < 0.33, 1, 2 + rng.geometric(0.3, n)),
    )
    views = np.minimum(views, 40)
    pref = np.where(known, hh.pref_mountain[np.maximum(h, 0)], 0.5)
    want_mountain = rng.random(n) < pref
    mountain = np.flatnonzero(villages.mountain)
    other = np.flatnonzero(~villages.mountain)
    guess = np.where(
        want_mountain,
        mountain[rng.integers(0, mountain.size, n)],
        other[rng.integers(0, other.size, n)],
    )
    focus = np.where(s["village"] >= 0, s["village"], guess)

    session_number = 1 + (offset + np.arange(n)) * 7 + rng.integers(0, 7, n)
    session_id = numbered("WS", session_number, 12)
    cookie_base = np.where(
        known, s["person"] * 3 + rng.integers(0, 2, n), 10**9 + rng.integers(0, 10**9, n)
    )
    visitor = concat(
        "GA1.2.",
        pl.Series(cookie_base).cast(pl.String),
        ".",
        pl.Series(1_500_000_000 + cookie_base % 97_000_000).cast(pl.String),
    )
    contact = np.where(s["identified"], primary[np.maximum(s["person"], 0)], -1)
    traffic = s["traffic"]
    media_campaign = np.where(np.isin(traffic, [3, 4, 5]), rng.integers(1, 200, n), -1)
    crm_campaign = pl.Series(s["campaign"]).cast(pl.String)
    campaign = pl.select(
        pl.when(pl.Series(media_campaign > 0))
        .then(pl.lit("MC") + numbered("", np.maximum(media_campaign, 0), 5))
        .when(pl.Series(s["campaign"] < 0))
        .then(None)
        .otherwise(crm_campaign)
    ).to_series()
    app = s["app"]
    device = np.where(app, 1, choose(rng, [0.45, 0.47, 0.08], n))
    geo = pick(
        [m.country for m in MARKETS] + ["ZZ"], np.where(rng.random(n) < 0.01, len(MARKETS), market)
    )

    # page views, hit by hit
    hits = int(views.sum())
    sess = np.repeat(np.arange(n), views)
    first = np.concatenate([[0], np.cumsum(views)[:-1]])
    hit_no = np.arange(hits) - first[sess]
    last_hit = hit_no == views[sess] - 1
    kind = choose(rng, [0.08, 0.42, 0.14, 0.14, 0.0, 0.0, 0.14, 0.08], hits)
    kind = np.where(hit_no == 0, s["landing"][sess], kind)
    steps = booking[sess] & (hit_no >= views[sess] - 4)
    kind = np.where(steps, 4, kind)
    kind = np.where(booking[sess] & last_hit, 5, kind)
    dwell = np.where(last_hit, 0, rng.lognormal(np.log(45), 0.9, hits).astype(np.int64) + 3)
    offsets = np.cumsum(dwell) - np.repeat(np.cumsum(dwell)[first] - dwell[first], views)
    offsets = offsets - dwell  # time since the session's first hit
    viewed = s["start"][sess] + offsets
    page_village = np.where(rng.random(hits) < 0.75, focus[sess], rng.integers(0, villages.n, hits))
    page_village = np.where(np.isin(kind, [1, 4, 5]), page_village, -1)
    page_village = np.where(booking[sess] & np.isin(kind, [4, 5]), focus[sess], page_village)
    duration = np.zeros(n, dtype=np.int64)
    np.maximum.at(duration, sess, offsets)

    # searches: a date in the season the visitor likes, the household's party
    searching = kind == 2
    stay_of = s["search_stay"][sess]
    winter = np.where(
        known[sess],
        rng.random(hits) < hh.pref_winter[np.maximum(h[sess], 0)],
        rng.random(hits) < 0.5,
    )
    day_of_session = viewed // DAY
    wanted = day_of_session + rng.integers(20, 200, hits)
    wanted = np.where(
        winter, _next_month_day(wanted, (12, 1, 2, 3)), _next_month_day(wanted, (6, 7, 8))
    )
    wanted = np.where(stay_of >= 0, s["search_day"][sess], wanted)
    adults = np.where(known[sess], hh.adults[np.maximum(h[sess], 0)], rng.integers(1, 4, hits))
    children = np.where(known[sess], hh.children[np.maximum(h[sess], 0)], rng.integers(0, 3, hits))
    adults = np.where(stay_of >= 0, stays.adults[np.maximum(stay_of, 0)], adults)
    children = np.where(stay_of >= 0, stays.children[np.maximum(stay_of, 0)], children)

    slugs = ascii_slug(pl.Series([v.name for v in VILLAGES]), "-")
    path_lang = pick(LANGUAGES, lang[sess])
    village_slug = slugs.gather(np.maximum(page_village, 0))
    other_path = pick(
        (
            "",
            "/villages/",
            "/recherche",
            "/offres/",
            "/reservation/etape-",
            "/reservation/confirmation",
            "/",
            "/mon-compte",
        ),
        kind,
    )
    tail = pl.select(
        pl.when(pl.Series(kind == 1))
        .then(village_slug)
        .when(pl.Series(kind == 3))
        .then(pick(_OFFERS, rng.integers(0, len(_OFFERS), hits)))
        .when(pl.Series(kind == 4))
        .then(pl.Series(np.minimum(4 - (views[sess] - 2 - hit_no), 4).clip(1, 4)).cast(pl.String))
        .when(pl.Series(kind == 6))
        .then(pick(_CONTENT, rng.integers(0, len(_CONTENT), hits)))
        .otherwise(pl.lit(""))
    ).to_series()
    path = concat("/", path_lang, other_path, tail)
    codes = pick([v.code for v in VILLAGES], np.maximum(page_village, 0))
    codes = pl.select(
        pl.when(pl.Series(rng.random(hits) < 0.05)).then(codes.str.to_lowercase()).otherwise(codes)
    ).to_series()
    pages = frame(
        {
            "session_id": session_id.gather(sess),
            "hit_number": (hit_no + 1).astype(np.int32),
            "viewed_at": timestamps(viewed),
            "page_path": path,
            "page_type": pick(PAGE_TYPES, kind),
            "village_code": with_nulls(codes, page_village < 0),
            "search_arrival_date": dates(np.maximum(wanted, 0), ~searching),
            "search_adults": with_nulls(pl.Series(adults.astype(np.int32)), ~searching),
            "search_children": with_nulls(pl.Series(children.astype(np.int32)), ~searching),
            "time_on_page_seconds": dwell.astype(np.int32),
        }
    )
    landing_path = path.gather(first)
    sessions = frame(
        {
            "session_id": session_id,
            "visitor_id": visitor,
            "contact_id": with_nulls(pl.Series(contact), contact < 0),
            "started_at": timestamps(s["start"]),
            "ended_at": timestamps(s["start"] + duration),
            "platform": pick(
                ("web", "ios_app", "android_app"), np.where(app, 1 + (rng.random(n) < 0.45), 0)
            ),
            "device_category": pick(("desktop", "mobile", "tablet"), device),
            "source": pick([t[0] for t in _TRAFFIC], traffic),
            "medium": pick([t[1] for t in _TRAFFIC], traffic),
            "campaign": campaign,
            "geo_country": geo,
            "language": pick(LANGUAGES, lang),
            "landing_page": landing_path,
            "page_views": views.astype(np.int32),
            "booking_id": with_nulls(
                numbered("BK", stays.booking_number[np.maximum(s["booking"], 0)], 9), ~booking
            ),
        }
    )
    ctx.writer.write("web", "sessions", sessions)
    ctx.writer.write("web", "page_views", pages)


def _next_month_day(day: np.ndarray, months: tuple[int, ...]) -> np.ndarray:
    """From each epoch day, the next Saturday in one of ``months`` (its own month first)."""
    month0 = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    candidates = month0[:, None] + np.arange(13)[None, :]
    first = np.isin(candidates % 12 + 1, months).argmax(axis=1)
    chosen = candidates[np.arange(day.size), first]
    start = chosen.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    out = np.where(first == 0, day, start)
    return np.asarray(out + (5 - (out + 3) % 7) % 7)
