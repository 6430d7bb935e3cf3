"""CRM campaigns, their sends, opens and clicks (source family: campaigns).

Campaign masters follow the marketing calendar (the annual cycle, stay-cycle mails
around a booked stay, powder alarms when snow falls in winter), each with the
settings the CRM lab's appetence model learns from: main and secondary highlight,
subject type, send day and time. Every person has hidden preferences over those
settings and an appetite for messages: opens and clicks follow them, calibrated so
that opens are about a third of sends and clicks about 4.4% (the seed's figures).
Unsubscribing withdraws the e-mail consent of that CRM record; records deleted on
request stop receiving messages.

One setting has a planted effect, the same for everyone and known, for the CRM lab's
appetence model to find: the ``LIVE`` secondary highlight doubles the odds of an open
and of a click (:mod:`sandbox.simulation.planted`).

Landing tables (schema ``landing_campaigns``):

``campaigns`` - one row per campaign master and language version.

    =================== ========= ===========================================================
    column              type      meaning
    =================== ========= ===========================================================
    campaign_id         VARCHAR   master identifier, ``CP`` + 5 digits
    campaign_number     INTEGER   running number of the master in the CRM plan
    language_code       VARCHAR   language of the version (``fr``, ``en``, ``de``, ``it``)
    template_name       VARCHAR   template (``ANNUEL_SKI_V2``)
    subject             VARCHAR   subject line (first words of an SMS)
    channel             VARCHAR   EMAIL or SMS
    cycle_label         VARCHAR   ANNUEL, SEJOUR (stay cycle) or POWDER_ALARM
    register_label      VARCHAR   PROMOTIONNEL, INFORMATIONNEL or RELATIONNEL
    theme_label         VARCHAR   SKI, SUMMER, SEA, FAMILY, EVENTS, WELLNESS, SUN
    main_highlight      VARCHAR   NEWS, VIDEO or EVENEMENT
    secondary_highlight VARCHAR   RS (social networks), PLAN (piste map), LIVE (webcams),
                                  METEO (weather)
    subject_type        VARCHAR   SENSATION, EXCLAMMATIF, QUESTION, SKIER, DESTINATION, TEMPS
    target_label        VARCHAR   audience rule: ALL, MOUNTAIN, SEA, FAMILY, PAST_GUESTS, STAY
    featured_village    VARCHAR   village code the message features, null when none
    scheduled_at        TIMESTAMP planned send time, UTC
    =================== ========= ===========================================================

``sends`` - one row per message sent to one CRM contact record (7,060,577 at the
``seed`` scale), with what the recipient did with it.

    ================= ========= =======================================================
    column            type      meaning
    ================= ========= =======================================================
    send_id           VARCHAR   ``SD`` + 10 digits
    campaign_id       VARCHAR   master
    campaign_number   INTEGER   running number of the master
    language_code     VARCHAR   version sent (upper case here: ``FR``)
    contact_id        BIGINT    CRM contact record (may be absent from the CRM extract
                                when the record was deleted since)
    channel           VARCHAR   EMAIL or SMS
    address           VARCHAR   e-mail or phone as the CRM record spells it
    sent_at           TIMESTAMP when the router sent it, UTC
    delivery_status   VARCHAR   DELIVERED, SOFT_BOUNCE or HARD_BOUNCE
    open_count        INTEGER   opens (always 0 for SMS)
    opener_flag       INTEGER   1 when opened at least once
    last_open_at      TIMESTAMP last open, null when never opened
    click_count       INTEGER   tracked clicks
    last_click_at     TIMESTAMP last click, null when never clicked
    unsubscribed_flag INTEGER   1 when the recipient unsubscribed from this message
    ================= ========= =======================================================

``opens`` - one row per open event: ``send_id`` VARCHAR, ``opened_at`` TIMESTAMP,
``device`` VARCHAR (mobile, desktop, tablet), ``email_client`` VARCHAR.

``clicks`` - one row per click event: ``send_id`` VARCHAR, ``clicked_at`` TIMESTAMP,
``link_name`` VARCHAR (CTA_PRINCIPAL, VILLAGE, OFFRE, RESEAUX_SOCIAUX), ``url``
VARCHAR (the landing page with its ``utm_*`` parameters). A click may come without
a recorded open (images blocked by the mail client).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import polars as pl

from sandbox.simulation.campaign_plan import (
    CHANNELS,
    THEMES,
    VERSIONS,
    Audience,
    Masters,
    plan_masters,
    water_fill,
    write_campaigns,
)
from sandbox.simulation.context import Context
from sandbox.simulation.customers import CrmView
from sandbox.simulation.dirt import ascii_slug
from sandbox.simulation.frames import concat, frame, numbered, pick, timestamps
from sandbox.simulation.places import VILLAGES
from sandbox.simulation.planted import PLANTED_SECONDARY_HIGHLIGHT, click_centre, planted_effect
from sandbox.simulation.population import Population
from sandbox.simulation.randomness import choose, sample_without_replacement
from sandbox.simulation.resorts import Villages
from sandbox.simulation.stays import Stays
from sandbox.simulation.timeline import DAY

STATUSES = ("DELIVERED", "SOFT_BOUNCE", "HARD_BOUNCE")
SMS_CLICK_RATE = 0.03
BLOCKED_IMAGE_CLICKS = 0.04
"""Share of e-mail clicks that come without a recorded open."""

_LINKS = ("CTA_PRINCIPAL", "VILLAGE", "OFFRE", "RESEAUX_SOCIAUX")
_DEVICES = ("mobile", "desktop", "tablet")
_CLIENTS = ("Apple Mail", "Gmail", "Outlook", "Yahoo Mail", "Orange Mail", "Autre")
SITE = "https://www.trident-villages.example"


@dataclass
class ClickLog:
    """Clicked sends, for the web sessions they open."""

    person: list[np.ndarray] = field(default_factory=list)
    time: list[np.ndarray] = field(default_factory=list)
    campaign_number: list[np.ndarray] = field(default_factory=list)
    village: list[np.ndarray] = field(default_factory=list)
    channel: list[np.ndarray] = field(default_factory=list)

    def arrays(self) -> dict[str, np.ndarray]:
        keys = ("person", "time", "campaign_number", "village", "channel")
        return {
            k: np.concatenate(getattr(self, k)) if getattr(self, k) else np.zeros(0, np.int64)
            for k in keys
        }


@dataclass(frozen=True)
class CampaignOutcome:
    """What campaigns changed in the world."""

    unsubscribed_at: np.ndarray  # per CRM record, seconds, -1 when never
    clicks: dict[str, np.ndarray]  # one row per clicked send
    sends_per_person: np.ndarray


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _calibrated(logit: np.ndarray, target: float) -> np.ndarray:
    """Probabilities ``sigmoid(logit + a)`` whose mean is ``target``."""
    if logit.size == 0:
        return logit
    target = min(max(target, 1e-4), 0.95)
    lo, hi = -20.0, 20.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if _sigmoid(logit + mid).mean() < target:
            lo = mid
        else:
            hi = mid
    return _sigmoid(logit + (lo + hi) / 2)


def run(
    ctx: Context, pop: Population, view: CrmView, stays: Stays, villages: Villages
) -> CampaignOutcome:
    """Plan the campaigns, send them, write the four tables, return what changed."""
    scale = ctx.scale
    masters = plan_masters(ctx, villages)
    audience = Audience(ctx, pop, view, stays)
    crm = pop.crm
    unsubscribed_at = np.full(crm.n, -1, dtype=np.int64)

    # plan: sizes proportional to a per-master appetite, within each audience
    rng = ctx.streams("campaigns.plan")
    caps = np.zeros(masters.n)
    for c in range(masters.n):
        pool = audience.pool(int(masters.time[c]), int(masters.channel[c]), unsubscribed_at)
        w = audience.weights(int(masters.time[c]), int(masters.target[c]))
        caps[c] = np.count_nonzero(pool & (w > 0)) * 0.85
    appetite = rng.lognormal(0, 0.5, masters.n) * np.where(masters.channel == 1, 0.5, 1.0)
    appetite *= np.where(masters.cycle == 1, 0.3, 1.0)
    sizes = water_fill(appetite, caps, scale.campaign_sends)

    n_total = scale.campaign_sends
    email_sends = int(sizes[masters.channel == 0].sum())
    sms_sends = n_total - email_sends
    open_target = scale.open_rate * n_total / max(email_sends, 1)
    email_clickers = scale.click_rate * n_total - SMS_CLICK_RATE * sms_sends
    click_per_email = email_clickers / max(email_sends, 1)
    cto_target = click_per_email * (1 - BLOCKED_IMAGE_CLICKS) / open_target
    blocked_rate = click_per_email * BLOCKED_IMAGE_CLICKS / max(1 - open_target, 0.05)
    mood = rng.lognormal(0, 0.12, masters.n)
    email_w = np.where(masters.channel == 0, sizes, 0)
    mood /= (mood * email_w).sum() / max(email_w.sum(), 1)
    live = masters.secondary == PLANTED_SECONDARY_HIGHLIGHT
    live_share = float(sizes[live].sum() / max(sizes.sum(), 1))
    live_clicks = click_centre(min(open_target, 0.95), live_share)

    write_campaigns(ctx, masters)
    persons = pop.persons
    log = ClickLog()
    sends_per_person = np.zeros(persons.n, dtype=np.int64)
    buffer: list[tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]] = []
    buffered = 0
    next_id = 1
    carry = 0
    for c in range(masters.n):
        t = int(masters.time[c])
        channel = int(masters.channel[c])
        pool = np.flatnonzero(audience.pool(t, channel, unsubscribed_at))
        w = audience.weights(t, int(masters.target[c]))[pool]
        k = min(int(sizes[c]) + carry, int(np.count_nonzero(w > 0)))
        carry = int(sizes[c]) + carry - k
        srng = ctx.streams("campaigns.sends", c)
        chosen = pool[sample_without_replacement(srng, w, k)]
        p = crm.person[chosen]
        np.add.at(sends_per_person, p, 1)
        result = _send(
            ctx,
            srng,
            masters=masters,
            c=c,
            records=chosen,
            p=p,
            pop=pop,
            view=view,
            open_target=open_target * mood[c],
            cto_target=cto_target,
            blocked_rate=blocked_rate,
            live_share=live_share,
            live_clicks=live_clicks,
        )
        unsub = result.pop("unsubscribed_at_send")
        unsub_rows = unsub >= 0
        unsubscribed_at[chosen[unsub_rows]] = unsub[unsub_rows]
        sends, opens, clicks, click_rows = _tables(
            srng,
            masters=masters,
            c=c,
            records=chosen,
            pop=pop,
            view=view,
            r=result,
            first_id=next_id,
        )
        next_id += chosen.size
        log.person.append(p[click_rows])
        log.time.append(result["first_click"][click_rows])
        log.campaign_number.append(np.full(int(click_rows.sum()), c + 1))
        log.village.append(np.full(int(click_rows.sum()), masters.village[c]))
        log.channel.append(np.full(int(click_rows.sum()), channel))
        buffer.append((sends, opens, clicks))
        buffered += sends.height
        if buffered >= scale.write_chunk_rows or c == masters.n - 1:
            _flush(ctx, buffer)
            buffer, buffered = [], 0
    if carry:
        raise RuntimeError(f"{carry} campaign sends could not be placed; audiences too small")
    return CampaignOutcome(
        unsubscribed_at=unsubscribed_at, clicks=log.arrays(), sends_per_person=sends_per_person
    )


def _send(
    ctx: Context,
    rng: np.random.Generator,
    *,
    masters: Masters,
    c: int,
    records: np.ndarray,
    p: np.ndarray,
    pop: Population,
    view: CrmView,
    open_target: float,
    cto_target: float,
    blocked_rate: float,
    live_share: float,
    live_clicks: float,
) -> dict[str, np.ndarray]:
    """What each recipient of master ``c`` did: delivery, opens, clicks, unsubscription."""
    scale = ctx.scale
    persons = pop.persons
    n = records.size
    channel = int(masters.channel[c])
    sent = int(masters.time[c]) + rng.integers(0, 5400, n)
    dead = view.email_dead[records] if channel == 0 else np.zeros(n, dtype=bool)
    soft = rng.random(n) < (0.004 if channel == 0 else 0.02)
    status = np.where(dead, 2, np.where(soft, 1, 0))
    delivered = status == 0
    live = bool(masters.secondary[c] == PLANTED_SECONDARY_HIGHLIGHT)
    eng = persons.engagement[p]
    match = (
        0.5 * (persons.pref_main[p] == masters.main[c])
        + 0.35 * (persons.pref_secondary[p] == masters.secondary[c])
        + 0.5 * (persons.pref_subject[p] == masters.subject[c])
        + 0.3 * (persons.pref_weekday[p] == masters.weekday[c])
        + 0.35 * (persons.pref_slot[p] == masters.slot[c])
    )
    h = persons.household[p]
    if masters.cycle[c] == 2:
        match = match + 1.2 * (pop.households.pref_mountain[h] - 0.5)
    if masters.cycle[c] == 1:
        match = match + 0.6
    logit = 1.1 * eng + match
    if channel == 0:
        p_open = np.zeros(n)
        share = n / max(int(delivered.sum()), 1)
        p_open[delivered] = _calibrated(logit[delivered], open_target * share)
        opened = rng.random(n) < planted_effect(p_open, live, live_share)
        p_click = np.zeros(n)
        p_click[opened] = _calibrated(0.6 * eng[opened] + match[opened], cto_target)
        p_blocked = planted_effect(np.full(n, blocked_rate), live, live_share)
        clicked = rng.random(n) < planted_effect(p_click, live, live_clicks)
        clicked |= delivered & ~opened & (rng.random(n) < p_blocked)
    else:
        opened = np.zeros(n, dtype=bool)
        p_click = np.zeros(n)
        p_click[delivered] = _calibrated(
            0.6 * eng[delivered], SMS_CLICK_RATE * n / max(int(delivered.sum()), 1)
        )
        clicked = rng.random(n) < planted_effect(p_click, live, live_share)
    open_count = np.where(opened, 1 + rng.poisson(scale.opens_per_opener - 1, n), 0)
    click_count = np.where(clicked, 1 + rng.poisson(scale.clicks_per_clicker - 1, n), 0)
    first_open = sent + np.minimum(rng.lognormal(np.log(3 * 3600), 1.3, n), 20 * DAY).astype(
        np.int64
    )
    first_click = np.where(
        opened,
        first_open + rng.lognormal(np.log(90), 1.0, n).astype(np.int64),
        sent + rng.lognormal(np.log(3 * 3600), 1.2, n).astype(np.int64),
    )
    p_unsub = np.where(eng < -1, 0.003, 0.0012) if channel == 0 else np.zeros(n)
    unsub = delivered & (rng.random(n) < p_unsub)
    unsub_at = np.where(unsub, np.where(opened, first_open + 60, sent + 4 * 3600), -1)
    return {
        "sent": sent,
        "status": status,
        "open_count": open_count,
        "click_count": click_count,
        "first_open": first_open,
        "first_click": first_click,
        "unsubscribed": unsub,
        "unsubscribed_at_send": unsub_at,
    }


def _event_times(
    rng: np.random.Generator, first: np.ndarray, counts: np.ndarray, mean_gap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Times of repeated events: the first, then exponential gaps. Returns (row, time)."""
    rows = np.repeat(np.arange(counts.size), counts)
    if rows.size == 0:
        return rows, rows.astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    gaps = rng.exponential(mean_gap, rows.size)
    gaps[starts[counts > 0]] = 0.0
    cum = np.cumsum(gaps)
    base = np.repeat(cum[starts[counts > 0]], counts[counts > 0])
    return rows, (first[rows] + (cum - base)).astype(np.int64)


def _tables(
    rng: np.random.Generator,
    *,
    masters: Masters,
    c: int,
    records: np.ndarray,
    pop: Population,
    view: CrmView,
    r: dict[str, np.ndarray],
    first_id: int,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, np.ndarray]:
    n = records.size
    send_numbers = np.arange(first_id, first_id + n)
    send_id = numbered("SD", send_numbers, 10)
    channel = int(masters.channel[c])
    address = (view.email if channel == 0 else view.mobile).gather(records)
    open_rows, open_times = _event_times(rng, r["first_open"], r["open_count"], 1.5 * DAY)
    click_rows, click_times = _event_times(rng, r["first_click"], r["click_count"], 600.0)
    last_open = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_open, open_rows, open_times)
    last_click = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_click, click_rows, click_times)
    bilingual = bool(masters.channel[c] == 1 or masters.cycle[c] == 1)
    version = _version(pop, records, bilingual=bilingual)
    sends = frame(
        {
            "send_id": send_id,
            "campaign_id": pl.Series([f"CP{c + 1:05d}"] * n),
            "campaign_number": np.full(n, c + 1, dtype=np.int32),
            "language_code": pick([v.upper() for v in VERSIONS], version),
            "contact_id": pop.crm.contact_id[records],
            "channel": pl.Series([CHANNELS[channel]] * n),
            "address": address,
            "sent_at": timestamps(r["sent"]),
            "delivery_status": pick(STATUSES, r["status"]),
            "open_count": r["open_count"].astype(np.int32),
            "opener_flag": (r["open_count"] > 0).astype(np.int32),
            "last_open_at": timestamps(np.maximum(last_open, 0), last_open < 0),
            "click_count": r["click_count"].astype(np.int32),
            "last_click_at": timestamps(np.maximum(last_click, 0), last_click < 0),
            "unsubscribed_flag": r["unsubscribed"].astype(np.int32),
        }
    )
    opens = frame(
        {
            "send_id": send_id.gather(open_rows),
            "opened_at": timestamps(open_times),
            "device": pick(_DEVICES, choose(rng, [0.6, 0.32, 0.08], open_rows.size)),
            "email_client": pick(
                _CLIENTS, choose(rng, [0.35, 0.3, 0.15, 0.06, 0.08, 0.06], open_rows.size)
            ),
        }
    )
    link = choose(rng, [0.55, 0.25, 0.15, 0.05], click_rows.size)
    village = int(masters.village[c])
    path = (
        f"/villages/{_slug(village)}"
        if village >= 0
        else f"/offres/{THEMES[masters.theme[c]].lower()}"
    )
    lang = (
        pick(VERSIONS, version[click_rows]) if click_rows.size else pl.Series([], dtype=pl.String)
    )
    url = concat(
        SITE + "/",
        lang,
        f"{path}?utm_source=crm&utm_medium={CHANNELS[channel].lower()}&utm_campaign={c + 1}",
    )
    clicks = frame(
        {
            "send_id": send_id.gather(click_rows),
            "clicked_at": timestamps(click_times),
            "link_name": pick(_LINKS, link),
            "url": url,
        }
    )
    clicked = r["click_count"] > 0
    return sends, opens, clicks, clicked


def _version(pop: Population, records: np.ndarray, *, bilingual: bool) -> np.ndarray:
    """Language version a record receives: its language when written, else English.

    Bilingual masters (SMS, stay cycle) exist in French and English only.
    """
    lang = pop.households.language[pop.persons.household[pop.crm.person[records]]]
    if bilingual:
        return np.where(lang == 0, 0, 1)
    return np.asarray(np.select([lang == 0, lang == 2, lang == 3], [0, 2, 3], default=1))


@lru_cache(maxsize=1)
def _slugs() -> tuple[str, ...]:
    return tuple(ascii_slug(pl.Series([v.name for v in VILLAGES]), "-").to_list())


def _slug(village: int) -> str:
    return _slugs()[village]


def _flush(ctx: Context, buffer: list[tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]]) -> None:
    for i, name in enumerate(("sends", "opens", "clicks")):
        # the campaigns' frames written one after the other, not copied into one first
        ctx.writer.write("campaigns", name, pl.concat([b[i] for b in buffer], rechunk=False))
