"""Booking contracts and the booking event stream (source family: bookings).

Landing table ``landing_bookings.booking_contracts`` - the reservation system's
daily extract, taken at 00:00 UTC on the extraction day: every booking created
before, in the state it had then (later changes are only in the event stream).

    ==================== ========= ===============================================
    column               type      meaning
    ==================== ========= ===============================================
    booking_id           VARCHAR   ``BK`` + 9 digits, in creation order
    payer_account_code   VARCHAR   reservation account of the payer
    holder_account_code  VARCHAR   account of the booking's holder
    village_code         VARCHAR   village (rarely in lower case)
    sales_channel_code   VARCHAR   INT web, TEL call centre, AGE agency, VIL at a village
    market_code          VARCHAR   country of the customer (ISO alpha-2)
    room_category        VARCHAR   CLUB, SUPERIEURE, DELUXE, SUITE
    created_at           TIMESTAMP booking creation, UTC
    confirmed_at         TIMESTAMP deposit paid, null while an option
    modified_at          TIMESTAMP last modification, null if none
    cancelled_at         TIMESTAMP cancellation, null if not cancelled
    arrival_date         DATE      first night
    departure_date       DATE      day of departure
    duration             INTEGER   nights
    duration_unit        VARCHAR   ``N`` (sometimes ``NUITS``)
    nb_persons           INTEGER   adults + children
    nb_adults            INTEGER
    nb_children          INTEGER
    status_code          VARCHAR   OP option, CF confirmed, SO stay completed, AN cancelled
    total_amount         DOUBLE    package amount net of discount, euros taxes included
    discount_amount      DOUBLE    discount granted, euros
    currency             VARCHAR   EUR
    extracted_at         TIMESTAMP extraction time
    ==================== ========= ===============================================

Landing table ``landing_bookings.booking_events`` - the booking event stream as the
Pub/Sub subscription writes it (at-least-once delivery, in publish order). Each
event carries the booking's full state after the change, so a booking's last event
is its current state. The stream went live on 2022-06-01: the history before was
replayed into it that day, in event order (``publish_time`` on the go-live day,
``event_time`` when the change happened). Dirty: a few messages are delivered
twice (same ``message_id``), a few events were published twice by the producer
(same ``event_id``, new ``message_id``), some are published late or out of order,
and events of the extraction day name bookings not yet in the contracts extract;
a handful of test events name village ``TST``.

    =================== ========= ===================================================
    column              type      meaning
    =================== ========= ===================================================
    message_id          VARCHAR   Pub/Sub message id
    publish_time        TIMESTAMP when Pub/Sub received it, UTC
    event_id            VARCHAR   producer's event id: ``EV`` + booking number (9 digits)
                                  + sequence (3 digits)
    event_type          VARCHAR   booking.created, booking.confirmed, booking.modified,
                                  booking.cancelled
    event_time          TIMESTAMP when the change happened, UTC
    sequence_number     INTEGER   change number within the booking, from 1
    booking_id          VARCHAR   the booking
    payer_account_code  VARCHAR   payer's reservation account
    holder_account_code VARCHAR   account of the booking's holder
    village_code        VARCHAR   village
    market_code         VARCHAR   customer's country
    sales_channel_code  VARCHAR   INT, TEL, AGE, VIL
    arrival_date        DATE
    departure_date      DATE
    nb_adults           INTEGER
    nb_children         INTEGER
    total_amount        DOUBLE    amount after the change, euros
    currency            VARCHAR   EUR
    status_code         VARCHAR   OP, CF or AN after the change
    source_system       VARCHAR   RESA
    =================== ========= ===================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import duckdb
import numpy as np
import polars as pl
from sqlglot import exp

from contracts.bookings import BookingEventMessage, BookingEvents
from mesh_platform.derive.ddl import ddl_statements
from mesh_platform.streams.landed import landing_contract
from sandbox.simulation.accounts import Accounts
from sandbox.simulation.context import Context
from sandbox.simulation.frames import dates, frame, numbered, pick, timestamps
from sandbox.simulation.places import MARKETS, VILLAGES
from sandbox.simulation.population import Population
from sandbox.simulation.sale_lines import STATUS_CODES, last_modified_at, status_at
from sandbox.simulation.sales import Lines
from sandbox.simulation.stays import ROOM_CATEGORIES, Stays
from sandbox.simulation.timeline import DAY, STREAM_START, epoch_day

CHANNEL_CODES = ("INT", "TEL", "AGE", "VIL")
EVENT_TYPES = ("booking.created", "booking.confirmed", "booking.modified", "booking.cancelled")


def package_amounts(stays: Stays, lines: Lines) -> tuple[np.ndarray, np.ndarray]:
    """Per stay: amount net of discount and discount of the lines sold with the booking."""
    package = lines.family < 7
    net = np.bincount(
        lines.stay[package], weights=(lines.amount - lines.discount)[package], minlength=stays.n
    )
    discount = np.bincount(lines.stay[package], weights=lines.discount[package], minlength=stays.n)
    return net, discount


def write_contracts(
    ctx: Context, pop: Population, stays: Stays, accounts: Accounts, lines: Lines
) -> None:
    """Write ``booking_contracts`` as the reservation system saw them at the cut-off."""
    tl = ctx.timeline
    rng = ctx.streams("bookings.contracts")
    cutoff = tl.as_of_seconds
    known = np.flatnonzero(stays.created < cutoff)
    n = known.size
    status = status_at(ctx, stays, cutoff)[known]
    modified = last_modified_at(stays, cutoff)[known]
    n_mod_known = ((stays.modified[known] >= 0) & (stays.modified[known] < cutoff)).sum(axis=1)
    n_mod = (stays.modified[known] >= 0).sum(axis=1)
    nights = _nights_in_state(stays, known, n_mod_known, n_mod)
    net, discount = package_amounts(stays, lines)
    amount = net[known] * nights / stays.nights[known]
    cancelled = np.where(
        (stays.cancelled[known] >= 0) & (stays.cancelled[known] < cutoff),
        stays.cancelled[known],
        -1,
    )
    confirmed = np.where(
        (stays.confirmed[known] >= 0) & (stays.confirmed[known] < cutoff),
        stays.confirmed[known],
        -1,
    )
    codes = pick([v.code for v in VILLAGES], stays.village[known])
    codes = pl.select(
        pl.when(pl.Series(rng.random(n) < 0.01)).then(codes.str.to_lowercase()).otherwise(codes)
    ).to_series()
    market = pop.households.market[stays.household[known]]
    arrival = tl.days[stays.arrival[known]]
    ctx.writer.write(
        "bookings",
        "booking_contracts",
        frame(
            {
                "booking_id": numbered("BK", stays.booking_number[known], 9),
                "payer_account_code": accounts.code.gather(accounts.payer[known]),
                "holder_account_code": accounts.code.gather(accounts.holder[known]),
                "village_code": codes,
                "sales_channel_code": pick(CHANNEL_CODES, stays.channel[known]),
                "market_code": pick([m.country for m in MARKETS], market),
                "room_category": pick(ROOM_CATEGORIES, stays.room[known]),
                "created_at": timestamps(stays.created[known]),
                "confirmed_at": timestamps(np.maximum(confirmed, 0), confirmed < 0),
                "modified_at": timestamps(np.maximum(modified, 0), modified < 0),
                "cancelled_at": timestamps(np.maximum(cancelled, 0), cancelled < 0),
                "arrival_date": dates(arrival),
                "departure_date": dates(arrival + nights),
                "duration": nights.astype(np.int32),
                "duration_unit": pick(("N", "NUITS"), (rng.random(n) < 0.03).astype(np.int64)),
                "nb_persons": (stays.adults + stays.children)[known].astype(np.int32),
                "nb_adults": stays.adults[known].astype(np.int32),
                "nb_children": stays.children[known].astype(np.int32),
                "status_code": pick(STATUS_CODES, status),
                "total_amount": np.round(amount, 2),
                "discount_amount": np.round(discount[known], 2),
                "currency": pl.Series(["EUR"] * n),
                "extracted_at": timestamps(np.full(n, cutoff + 2 * 3600)),
            }
        ),
    )


def _nights_in_state(
    stays: Stays, rows: np.ndarray, state: np.ndarray, n_mod: np.ndarray
) -> np.ndarray:
    """Nights of each booking after ``state`` modifications (``n_mod`` in all)."""
    final = stays.nights[rows]
    before = stays.nights_before[rows]
    pick_before = np.take_along_axis(before, np.minimum(state, 1)[:, None], axis=1)[:, 0]
    return np.asarray(np.where(state >= n_mod, final, pick_before))


def write_events(
    ctx: Context, pop: Population, stays: Stays, accounts: Accounts, lines: Lines
) -> None:
    """Write ``booking_events``: every change from the stream's start to the cut-off day."""
    tl = ctx.timeline
    rng = ctx.streams("bookings.events")
    n = stays.n
    n_mod = (stays.modified >= 0).sum(axis=1)
    # candidate events per stay: created, confirmed, modified x2, cancelled
    times = np.stack(
        [
            stays.created,
            stays.confirmed,
            stays.modified[:, 0],
            stays.modified[:, 1],
            stays.cancelled,
        ],
        axis=1,
    )
    kinds = np.array([0, 1, 2, 2, 3])
    exists = times >= 0
    # state after the event: modifications 1 and 2 move to states 1 and 2
    state = np.tile(np.array([0, 0, 1, 2, 0]), (n, 1))
    state[:, 4] = n_mod
    # sequence numbers follow time order within a booking
    order_in = np.argsort(np.where(exists, times, np.iinfo(np.int64).max), axis=1, kind="stable")
    seq = np.empty_like(order_in)
    np.put_along_axis(seq, order_in, np.arange(5)[None, :], axis=1)
    seq += 1
    keep = exists & (times <= tl.end_of_as_of_seconds)
    row, col = np.nonzero(keep)
    t = times[row, col]
    kind = kinds[col]
    st = state[row, col]
    confirmed_before = (stays.confirmed[row] >= 0) & (stays.confirmed[row] <= t)
    status = np.where(kind == 3, 2, np.where((kind == 1) | confirmed_before, 1, 0))
    nights = _nights_in_state(stays, row, st, n_mod[row])
    net, _ = package_amounts(stays, lines)
    amount = net[row] * nights / stays.nights[row]
    m = row.size
    publish = t + rng.integers(50, 3000, m) // 1000
    late = rng.random(m) < 0.005
    publish = np.where(late, t + rng.integers(3600, 72 * 3600, m), publish)
    # the history before the go-live was replayed on that day, in event order
    go_live = epoch_day(STREAM_START) * DAY
    history = t < go_live
    rank = np.empty(m, dtype=np.int64)
    rank[np.argsort(t, kind="stable")] = np.arange(m)
    replay = go_live + 6 * 3600 + (rank * (8 * 3600) // max(int(history.sum()), 1))
    publish = np.where(history, replay, publish)
    seq = seq[row, col]
    # what the rendering reads is kept, one value per event; the rest is let go
    del times, state, order_in, exists, keep, st, n_mod, confirmed_before, net, rank, replay

    def render(at: np.ndarray) -> pl.DataFrame:
        """The events ``at`` (positions, in that order), rendered as the stream carries
        them: its text is built a write chunk at a time, never for every event."""
        booking, days = row[at], nights[at]
        arrival = tl.days[stays.arrival[booking]]
        return frame(
            {
                "publish_time": timestamps(publish[at]),
                "event_id": numbered("EV", stays.booking_number[booking] * 1000 + seq[at], 12),
                "event_type": pick(EVENT_TYPES, kind[at]),
                "event_time": timestamps(t[at]),
                "sequence_number": seq[at].astype(np.int32),
                "booking_id": numbered("BK", stays.booking_number[booking], 9),
                "payer_account_code": accounts.code.gather(accounts.payer[booking]),
                "holder_account_code": accounts.code.gather(accounts.holder[booking]),
                "village_code": pick([v.code for v in VILLAGES], stays.village[booking]),
                "market_code": pick(
                    [mk.country for mk in MARKETS], pop.households.market[stays.household[booking]]
                ),
                "sales_channel_code": pick(CHANNEL_CODES, stays.channel[booking]),
                "arrival_date": dates(arrival),
                "departure_date": dates(arrival + days),
                "nb_adults": stays.adults[booking].astype(np.int32),
                "nb_children": stays.children[booking].astype(np.int32),
                "total_amount": np.round(amount[at], 2),
                "currency": pl.Series(["EUR"] * at.size, dtype=pl.String),
                "status_code": pick(("OP", "CF", "AN"), status[at]),
                "source_system": pl.Series(["RESA"] * at.size, dtype=pl.String),
            }
        )

    # the producer retried a few events (new message), Pub/Sub redelivered a few messages
    retried = np.flatnonzero(rng.random(m) < 0.003)
    test_events = _test_events(ctx, rng)
    chunk = ctx.writer.chunk_rows_for(render, m)
    stream = _stream(rng, render, publish, retried=retried, test_events=test_events, chunk=chunk)
    for part in stream:
        ctx.writer.write("bookings", "booking_events", part)
    create_stream_landing(ctx.writer.connection)


def create_stream_landing(connection: duckdb.DuckDBPyConnection) -> None:
    """Create ``landing_bookings.booking_events_stream`` when missing, empty: where the
    booking stream's consumer lands the events it accepts (``mesh dev --stream``,
    ``mesh simulate bookings``). Never replaced, so a new simulation keeps them."""
    contract = landing_contract(BookingEvents, BookingEventMessage)
    meta = contract.meta()
    table = exp.table_(meta.product, db=meta.domain, quoted=True)
    for statement in ddl_statements(contract, "duckdb", table):
        if isinstance(statement, exp.Create):
            statement.set("exists", True)
            connection.execute(statement.sql("duckdb"))


def _stream(
    rng: np.random.Generator,
    render: Callable[[np.ndarray], pl.DataFrame],
    publish: np.ndarray,
    *,
    retried: np.ndarray,
    test_events: pl.DataFrame,
    chunk: int,
) -> Iterator[pl.DataFrame]:
    """The stream in publish order, ``chunk`` messages at a time (at least one frame,
    maybe empty): the events (``render(positions)`` gives them, published at
    ``publish``, seconds), the producer's retries of the events ``retried`` (a new
    message 30 seconds later) and the test events, each with its message id first.
    Each chunk's events are rendered and put in order as it is written: the whole
    stream is never rendered, sorted nor copied."""
    events = publish.size
    tested = test_events["publish_time"].dt.epoch("s").to_numpy()
    rows, message = _stream_order(rng, np.concatenate([publish, publish[retried] + 30, tested]))
    first_test = events + retried.size
    for lo in range(0, max(rows.size, 1), chunk):
        source = rows[lo : lo + chunk]
        sent = source < first_test
        event = source[sent]
        is_retry = event >= events
        event[is_retry] = retried[event[is_retry] - events]
        part = render(event).with_columns(
            publish_time=pl.when(pl.Series(is_retry))
            .then(pl.col("publish_time") + pl.duration(seconds=30))
            .otherwise(pl.col("publish_time"))
        )
        if not sent.all():  # the test events, in their place
            part = pl.concat([part, test_events[source[~sent] - first_test]])
            part = part[np.argsort(np.argsort(~sent, kind="stable"), kind="stable")]
        yield part.select(
            pl.Series("message_id", message[lo : lo + chunk]).cast(pl.String), pl.all()
        )


def _stream_order(rng: np.random.Generator, publish: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stream as published: each message's source row (among the events with the
    producer's retries and test events, whose publish times are ``publish``, seconds) and
    its message id, in publish order.

    Messages are numbered in publish order (stable: rows published at the same second
    keep their source order); then a few are redelivered, with their message id, each
    after the messages published before it or at the same time.
    """
    order = np.argsort(publish, kind="stable")
    message = 7_000_000_000_000_000 + np.cumsum(rng.integers(1, 50, order.size))
    again = np.flatnonzero(rng.random(order.size) < 0.002)
    rows = np.concatenate([order, order[again]])
    message = np.concatenate([message, message[again]])
    final = np.argsort(publish[rows], kind="stable")
    return rows[final], message[final]


def _test_events(ctx: Context, rng: np.random.Generator) -> pl.DataFrame:
    """A handful of events from the producer's test bookings."""
    n = 6
    t = ctx.timeline.end_of_as_of_seconds - rng.integers(3600, 40 * DAY, n)
    day = t // DAY
    return frame(
        {
            "publish_time": timestamps(t + 1),
            "event_id": numbered("EV", 999_999_999_000 + np.arange(n), 12),
            "event_type": pick(EVENT_TYPES, np.zeros(n, dtype=np.int64)),
            "event_time": timestamps(t),
            "sequence_number": np.ones(n, dtype=np.int32),
            "booking_id": numbered("BK9999", np.arange(n), 5),
            "payer_account_code": pl.Series(["TEST-0000000"] * n),
            "holder_account_code": pl.Series(["TEST-0000000"] * n),
            "village_code": pl.Series(["TST"] * n),
            "market_code": pl.Series(["FR"] * n),
            "sales_channel_code": pl.Series(["INT"] * n),
            "arrival_date": dates(day + 30),
            "departure_date": dates(day + 37),
            "nb_adults": np.full(n, 2, dtype=np.int32),
            "nb_children": np.zeros(n, dtype=np.int32),
            "total_amount": np.full(n, 1.0),
            "currency": pl.Series(["EUR"] * n),
            "status_code": pl.Series(["OP"] * n),
            "source_system": pl.Series(["RESA"] * n),
        }
    )
