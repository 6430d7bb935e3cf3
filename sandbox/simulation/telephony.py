"""Contact-centre call records (source family: telephony).

Calls follow the bookings: the call that made a call-centre booking (often after a
quote call a few days earlier), quotes that led nowhere, questions before
departure, changes and cancellations, complaints after the stay, travel agents
calling for their clients, callbacks placed by agents, and calls abandoned in the
queue. The telephony platform identifies a caller when the number matches a CRM
contact; agents type the booking reference when one is discussed.

Landing table ``landing_telephony.call_records`` - one row per call.

    ================= ========= =======================================================
    column            type      meaning
    ================= ========= =======================================================
    call_id           VARCHAR   ``CL`` + 10 digits
    call_start        TIMESTAMP the call reached the platform, UTC
    answered_at       TIMESTAMP an agent answered, null when abandoned
    call_end          TIMESTAMP end of the call
    direction         VARCHAR   IN (the customer called) or OUT (agent callback)
    caller_number     VARCHAR   calling number as presented (any format,
                                ``anonymous`` when withheld)
    called_number     VARCHAR   number dialled (a service number, or the customer)
    ivr_choice        VARCHAR   menu choice (1 reservations, 2 service, 3 before
                                departure, 4 after sales, 9 agencies), null for OUT
    queue_name        VARCHAR   RESA_FR, RESA_INTL, SERVICE_CLIENT, AVANT_DEPART,
                                APRES_VENTE, AGENCES
    agent_id          VARCHAR   ``AG`` + 5 digits, null when abandoned
    wait_seconds      INTEGER   time in queue
    talk_seconds      INTEGER   talk time (0 when abandoned)
    call_status       VARCHAR   ANSWERED, ABANDONED, NO_ANSWER
    wrap_up_code      VARCHAR   agent's closing code: VENTE, DEVIS, RAPPEL, INFO,
                                INFO_SEJOUR, MODIFICATION, ANNULATION, RECLAMATION,
                                TRANSFERT (null when abandoned)
    crm_contact_id    BIGINT    CRM contact the number matched, else null
    booking_reference VARCHAR   booking typed by the agent (``BK000123456``,
                                ``bk000123456``, ``123456``...), else null
    village_code      VARCHAR   village discussed, typed by the agent (case varies)
    language          VARCHAR   language of the call (``FR``, ``EN``...)
    ================= ========= =======================================================
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sandbox.simulation.context import Context
from sandbox.simulation.dirt import phone_formats
from sandbox.simulation.frames import frame, numbered, pick, timestamps, where, with_nulls
from sandbox.simulation.places import MARKETS, VILLAGES
from sandbox.simulation.population import LANGUAGES, Population
from sandbox.simulation.randomness import choose
from sandbox.simulation.stays import Stays
from sandbox.simulation.timeline import DAY

QUEUES = ("RESA_FR", "RESA_INTL", "SERVICE_CLIENT", "AVANT_DEPART", "APRES_VENTE", "AGENCES")
IVR = ("1", "1", "2", "3", "4", "9")
WRAP_UPS = (
    "VENTE",
    "DEVIS",
    "RAPPEL",
    "INFO",
    "INFO_SEJOUR",
    "MODIFICATION",
    "ANNULATION",
    "RECLAMATION",
    "TRANSFERT",
)
SERVICE_NUMBERS = (
    "+33 1 70 00 10 00",
    "+33 1 70 00 10 01",
    "+33 1 70 00 20 00",
    "+33 1 70 00 30 00",
    "+33 1 70 00 40 00",
    "+33 1 70 00 90 00",
)


def run(ctx: Context, pop: Population, stays: Stays) -> None:
    """Generate and write the call records."""
    tl = ctx.timeline
    rng = ctx.streams("telephony.calls")
    cutoff = tl.end_of_as_of_seconds
    live = stays.cancelled < 0
    arrival_sec = tl.days[stays.arrival] * DAY + 15 * 3600
    departure_sec = arrival_sec + stays.nights * DAY
    idx = np.arange(stays.n)
    parts: list[dict[str, np.ndarray]] = []

    def add(
        rows: np.ndarray,
        start: np.ndarray,
        queue: int | np.ndarray,
        wrap: int | np.ndarray,
        *,
        booked: bool = False,
        person: np.ndarray | None = None,
        direction: int = 0,
    ) -> None:
        n = rows.size
        parts.append(
            {
                "stay": rows,
                "person": stays.payer[rows] if person is None else person,
                "start": start.astype(np.int64),
                "queue": np.broadcast_to(queue, n).astype(np.int64),
                "wrap": np.broadcast_to(wrap, n).astype(np.int64),
                "booked": np.full(n, booked),
                "direction": np.full(n, direction),
            }
        )

    cc = idx[stays.channel == 1]
    intl = (pop.households.market[stays.household] != 0).astype(np.int64)
    add(cc, stays.created[cc], intl[cc], 0, booked=True)
    quoted = cc[rng.random(cc.size) < 0.3]
    add(
        quoted,
        stays.created[quoted] - (rng.uniform(1, 10, quoted.size) * DAY).astype(np.int64),
        intl[quoted],
        1,
    )
    # quotes that led nowhere, by people who booked at some point or not
    n_quotes = int(cc.size * 0.9)
    anyone = rng.integers(0, pop.persons.n, n_quotes)
    when = tl.days[0] * DAY + (rng.random(n_quotes) * (cutoff - tl.days[0] * DAY)).astype(np.int64)
    market_q = (pop.households.market[pop.persons.household[anyone]] != 0).astype(np.int64)
    add(
        np.full(n_quotes, -1),
        when,
        market_q,
        np.where(rng.random(n_quotes) < 0.75, 1, 2),
        person=anyone,
    )
    callbacks = np.flatnonzero(rng.random(n_quotes) < 0.1)
    add(
        np.full(callbacks.size, -1),
        when[callbacks] + DAY,
        market_q[callbacks],
        1,
        person=anyone[callbacks],
        direction=1,
    )
    # before departure, changes, cancellations, after the stay, agencies
    pre = idx[live & (rng.random(stays.n) < 0.22)]
    add(pre, arrival_sec[pre] - (rng.uniform(1, 30, pre.size) * DAY).astype(np.int64), 3, 4)
    mod = idx[(stays.modified[:, 0] >= 0) & (rng.random(stays.n) < 0.5)]
    add(mod, stays.modified[mod, 0] - 600, 2, 5)
    can = idx[(stays.cancelled >= 0) & (rng.random(stays.n) < 0.4)]
    add(can, stays.cancelled[can] - 600, 2, 6)
    after = idx[live & (rng.random(stays.n) < 0.04)]
    add(after, departure_sec[after] + (rng.uniform(1, 20, after.size) * DAY).astype(np.int64), 4, 7)
    agency = idx[(stays.channel == 2) & (rng.random(stays.n) < 0.3)]
    add(agency, stays.created[agency] - 1800, 5, np.where(rng.random(agency.size) < 0.6, 0, 3))

    c = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = c["start"].size
    # the contact centre opens 07:00-20:00 Paris time
    hour = choose(rng, [1, 3, 4, 4, 3, 3, 3, 3, 3, 3, 2, 1.5, 1], n) + 6
    retimed = (c["start"] // DAY) * DAY + hour * 3600 + rng.integers(0, 3600, n)
    c["start"] = np.where(c["booked"], c["start"], retimed)
    inbound = c["direction"] == 0
    c["abandoned"] = inbound & ~c["booked"] & (rng.random(n) < 0.08)
    wait = np.where(inbound, rng.lognormal(np.log(70), 0.9, n).astype(np.int64), 0)
    c["wait"] = np.where(c["abandoned"], wait + rng.integers(30, 400, n), wait)
    talk = np.where(
        c["booked"], rng.lognormal(np.log(900), 0.4, n), rng.lognormal(np.log(300), 0.6, n)
    ).astype(np.int64)
    c["no_answer"] = ~inbound & (rng.random(n) < 0.25)
    c["talk"] = np.where(c["abandoned"] | c["no_answer"], 0, talk)
    # the booking is created as the sales call ends
    c["start"] = np.where(c["booked"], c["start"] - c["talk"] - c["wait"], c["start"])
    keep = (c["start"] <= cutoff - 3600) & (c["start"] >= tl.days[0] * DAY - 30 * DAY)
    c = {k: v[keep] for k, v in c.items()}
    order = np.argsort(c["start"], kind="stable")
    c = {k: v[order] for k, v in c.items()}
    _write(ctx, rng, pop, stays, c)


def _write(
    ctx: Context, rng: np.random.Generator, pop: Population, stays: Stays, c: dict[str, np.ndarray]
) -> None:
    persons, hh, crm = pop.persons, pop.households, pop.crm
    n = c["start"].size
    person = c["person"]
    stay = c["stay"]
    inbound = c["direction"] == 0
    abandoned, no_answer = c["abandoned"], c["no_answer"]
    wait, talk = c["wait"], c["talk"]
    answered = c["start"] + wait
    end = answered + talk
    status = np.where(abandoned, 1, np.where(no_answer, 2, 0))
    wrap = np.where(abandoned | no_answer, -1, c["wrap"])
    transferred = (wrap >= 0) & (rng.random(n) < 0.03)
    wrap = np.where(transferred, 8, wrap)

    h = persons.household[person]
    market = hh.market[h]
    dial = pick([m.dial for m in MARKETS], market)
    trunk = pick([m.trunk for m in MARKETS], market)
    nsn = pl.select(
        pl.coalesce(persons.mobile.gather(person), persons.landline.gather(person))
    ).to_series()
    number = phone_formats(dial, trunk, nsn.fill_null("0"), rng, garbage=0.0)
    agency = c["queue"] == 5
    agency_number = pl.Series(["+33 4 50 00 00 00"] * n)
    withheld = nsn.is_null().to_numpy() | (rng.random(n) < 0.03)
    caller = where(agency, agency_number, number)
    caller = where(withheld & ~agency, pl.Series(["anonymous"] * n), caller)
    service = pick(SERVICE_NUMBERS, c["queue"])
    caller_out = where(inbound, caller, service)
    called = where(inbound, service, number)

    primary = np.full(persons.n, -1, dtype=np.int64)
    primary[crm.person[~crm.duplicate]] = crm.contact_id[~crm.duplicate]
    identified = inbound & ~withheld & ~agency & (primary[person] >= 0) & (rng.random(n) < 0.75)
    identified |= ~inbound & (primary[person] >= 0)
    contact = np.where(identified, primary[person], -1)

    has_stay = stay >= 0
    typed = has_stay & ((wrap == 0) | (rng.random(n) < 0.5)) & (wrap >= 0)
    ref = numbered("BK", stays.booking_number[np.maximum(stay, 0)], 9)
    style = rng.random(n)
    ref = pl.select(
        pl.when(pl.Series(style < 0.08))
        .then(ref.str.to_lowercase())
        .when(pl.Series(style < 0.13))
        .then(ref.str.slice(5))
        .when(pl.Series(style < 0.16))
        .then(pl.lit(" ") + ref)
        .otherwise(ref)
    ).to_series()
    village = np.where(
        has_stay, stays.village[np.maximum(stay, 0)], rng.integers(0, len(VILLAGES), n)
    )
    about_village = (wrap >= 0) & (has_stay | (rng.random(n) < 0.6))
    codes = pick([v.code for v in VILLAGES], village)
    codes = pl.select(
        pl.when(pl.Series(rng.random(n) < 0.1)).then(codes.str.to_lowercase()).otherwise(codes)
    ).to_series()
    agents = rng.integers(1, 40 + int(300 * min(ctx.volume, 10)), n)
    ctx.writer.write(
        "telephony",
        "call_records",
        frame(
            {
                "call_id": numbered("CL", 1 + np.arange(n) * 3 + rng.integers(0, 3, n), 10),
                "call_start": timestamps(c["start"]),
                "answered_at": timestamps(answered, abandoned | no_answer),
                "call_end": timestamps(end),
                "direction": pick(("IN", "OUT"), c["direction"]),
                "caller_number": caller_out,
                "called_number": called,
                "ivr_choice": with_nulls(pick(IVR, c["queue"]), ~inbound),
                "queue_name": pick(QUEUES, c["queue"]),
                "agent_id": with_nulls(numbered("AG", agents, 5), abandoned | no_answer),
                "wait_seconds": wait.astype(np.int32),
                "talk_seconds": talk.astype(np.int32),
                "call_status": pick(("ANSWERED", "ABANDONED", "NO_ANSWER"), status),
                "wrap_up_code": with_nulls(pick(WRAP_UPS, np.maximum(wrap, 0)), wrap < 0),
                "crm_contact_id": with_nulls(pl.Series(contact), contact < 0),
                "booking_reference": with_nulls(ref, ~typed),
                "village_code": with_nulls(codes, ~about_village),
                "language": pick([x.upper() for x in LANGUAGES], hh.language[h]),
            }
        ),
    )
