"""Python-built products of the customer_intelligence domain: the CRM lab's two models.

- ``lead_scores``: a gradient-boosting classifier trained on past seasons predicts, for
  a customer and a village, a booking with an arrival in the season.
- ``campaign_appetence``: a gradient-boosting classifier trained on the campaign
  history (one row per send) predicts whether a send triggers an action; its
  per-setting structure gives each customer's best settings exactly, and a second
  classifier trained on past segment transitions predicts the segment move.

Both are deterministic (fixed seeds, no wall clock: "today" is the latest event in the
data) and publish their evaluation metrics, measured on data held out from training,
as materialisation metadata through :class:`ProductOutput`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, average_precision_score, log_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from contracts.campaigns import CycleLabel, MainHighlight, SecondaryHighlight, SubjectType
from contracts.customer_intelligence import (
    SEGMENT_RANK,
    CampaignAppetence,
    LeadScores,
    Segment,
    TimeSlot,
    Weekday,
)
from mesh_platform.products.python import Input, ProductOutput, python_product

SEED = 20240101
"""Seed of every random choice (samples, splits) and of the models."""

SEASON_FIRST_MONTH = 11
"""Seasons run from November to October."""

MODEL_THREADS = 1
"""OpenMP threads of the gradient-boosting fits and predictions: one thread is faster
than spinning threads on a shared machine, and results do not depend on it."""


# --- inputs: the columns the two models read of their upstream products ----------------

SENDS = Input(
    "campaigns.campaign_sends",
    "send_id customer_id channel sent_at opens_count clicks_count last_clicked_at"
    " subject_type main_highlight secondary_highlight cycle_label",
)
BOOKINGS = Input(
    "bookings.bookings",
    "customer_id village_id channel status created_at arrival_date season amount_eur",
)
RFM = Input(
    "customer_intelligence.rfm_segments",
    "household_id season recency_seasons frequency_seasons amount_eur season_amount_eur"
    " segment segment_rank",
)
MEMBERS = Input("customers.customer_profile", "customer_id household_id")


# --- shared helpers ---------------------------------------------------------------------


def _utc(values: pd.Series) -> pd.Series:
    """Timestamps as tz-aware UTC (naive values are taken as UTC)."""
    return pd.to_datetime(values, utc=True)


def _season_year(moments: pd.Series) -> np.ndarray:
    """Start year of the season of each date or timestamp ("2023-24" -> 2023)."""
    stamps = pd.to_datetime(moments)
    return np.asarray(stamps.dt.year - (stamps.dt.month < SEASON_FIRST_MONTH), dtype=np.int64)


def _season_label(year: int) -> str:
    """``2023`` -> ``"2023-24"``."""
    return f"{year}-{(year + 1) % 100:02d}"


def _label_year(labels: pd.Series) -> np.ndarray:
    """``"2023-24"`` -> 2023."""
    return np.asarray(labels.astype(str).str.slice(0, 4).astype(np.int64))


def _today(*moments: pd.Series) -> pd.Timestamp:
    """The latest timestamp present in the data: the products' "today" (reproducible)."""
    latest = [_utc(m).max() for m in moments if len(m)]
    latest = [t for t in latest if not pd.isna(t)]
    if not latest:
        raise ValueError("customer_intelligence: no dated event in the inputs to anchor today")
    return max(latest)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _sample(n: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of at most ``cap`` of ``n`` rows, sorted (all of them when n <= cap)."""
    if n <= cap:
        return np.arange(n)
    return np.sort(rng.choice(n, size=cap, replace=False))


def _binary_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float | int | None]:
    """ROC AUC, average precision, log loss (and that of the base rate), base rate."""
    rows = int(y.size)
    if rows == 0:
        return {"rows": 0, "base_rate": None, "roc_auc": None, "log_loss": None}
    base = float(y.mean())
    both = 0 < y.sum() < rows
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return {
        "rows": rows,
        "base_rate": round(base, 5),
        "roc_auc": round(float(roc_auc_score(y, p)), 4) if both else None,
        "average_precision": round(float(average_precision_score(y, p)), 4) if both else None,
        "log_loss": round(float(log_loss(y, p, labels=[0, 1])), 5),
        "log_loss_base_rate": round(float(log_loss(y, np.full(rows, base), labels=[0, 1])), 5)
        if both
        else None,
        "brier": round(float(np.mean((p - y) ** 2)), 5),
    }


class _Prior:
    """A constant-probability stand-in when the training data hold a single class."""

    def __init__(self, rate: float) -> None:
        self.rate = min(max(rate, 1e-6), 1 - 1e-6)

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return np.full(len(x), float(_logit(np.array([self.rate]))[0]))


def _fit_binary(
    x: np.ndarray,
    y: np.ndarray,
    *,
    categorical: list[bool] | None = None,
    interaction_cst: list[list[int]] | None = None,
    max_iter: int = 200,
) -> HistGradientBoostingClassifier | _Prior:
    """A seeded gradient-boosting classifier (a constant prior for one-class data)."""
    if y.size == 0 or y.min() == y.max():
        return _Prior(float(y.mean()) if y.size else 0.0)
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=max_iter,
        max_leaf_nodes=15,
        min_samples_leaf=50,
        l2_regularization=1.0,
        categorical_features=categorical,
        interaction_cst=interaction_cst,
        early_stopping=False,
        random_state=SEED,
    )
    with threadpool_limits(limits=MODEL_THREADS):
        return model.fit(x, y)


def _raw(model: HistGradientBoostingClassifier | _Prior, x: np.ndarray) -> np.ndarray:
    """Log-odds of the positive class."""
    if len(x) == 0:
        return np.zeros(0)
    with threadpool_limits(limits=MODEL_THREADS):
        return np.asarray(model.decision_function(x), dtype=np.float64)


# --- lead scores --------------------------------------------------------------------------

LEAD_TOP_VILLAGES = 5
"""Villages published per customer and season (``rank_for_customer`` 1..5)."""
LEAD_POPULAR_CANDIDATES = 5
"""Most booked villages of the last complete season added to every customer's
candidates."""
LEAD_MAX_TRAINING_ROWS = 1_000_000
LEAD_FEATURES = (
    "stays_here",
    "seasons_since_stay_here",
    "stays",
    "seasons_with_stay",
    "mean_booking_amount",
    "sessions_here",
    "searches_here",
    "sessions",
    "sales_calls_here",
    "clicks_90d",
    "clicks_365d",
    "type_affinity",
    "village_popularity",
    "segment_rank",
    "frequency_seasons",
    "recency_seasons",
    "amount_log",
)


@dataclass(frozen=True)
class _LeadEvents:
    """The dated signals lead scoring learns from, one small frame each."""

    stays: pd.DataFrame  # customer_id, village_id, created_at, season_year, amount_eur
    purchases: pd.DataFrame  # customer_id, at
    sessions: pd.DataFrame  # customer_id, village_id, at, dated_search
    sales_calls: pd.DataFrame  # customer_id, village_id, at
    clicks: pd.DataFrame  # customer_id, at
    village_type: pd.Series  # village_id -> type
    segments: pd.DataFrame  # customer_id, season_year, segment_rank, F, R, amount_log
    favourite: pd.DataFrame  # customer_id, village_id


def _lead_events(
    *,
    sales: pd.DataFrame,
    bookings: pd.DataFrame,
    sessions: pd.DataFrame,
    affinities: pd.DataFrame,
    calls: pd.DataFrame,
    sends: pd.DataFrame,
    villages: pd.DataFrame,
    segments: pd.DataFrame,
    members: pd.DataFrame,
) -> _LeadEvents:
    kept = bookings[bookings["status"] != "cancelled"]
    stays = pd.DataFrame(
        {
            "customer_id": kept["customer_id"].astype(str),
            "village_id": kept["village_id"].astype(str),
            "created_at": _utc(kept["created_at"]),
            "season_year": _season_year(kept["arrival_date"]),
            "amount_eur": kept["amount_eur"].astype(float),
        }
    )
    bought = sales[~sales["is_cancelled"].astype(bool)]
    purchases = pd.DataFrame(
        {"customer_id": bought["payer_customer_id"].astype(str), "at": _utc(bought["sale_date"])}
    )
    known = sessions[sessions["customer_id"].notna()]
    web = pd.DataFrame(
        {
            "customer_id": known["customer_id"].astype(str),
            "village_id": known["village_id"],
            "at": _utc(known["started_at"]),
            "dated_search": known["searched_arrival_date"].notna(),
        }
    )
    selling = calls[
        calls["customer_id"].notna() & calls["village_id"].notna() & (calls["call_type"] == "sales")
    ]
    sales_calls = pd.DataFrame(
        {
            "customer_id": selling["customer_id"].astype(str),
            "village_id": selling["village_id"].astype(str),
            "at": _utc(selling["started_at"]),
        }
    )
    clicked = sends[sends["clicks_count"] > 0]
    clicks = pd.DataFrame(
        {"customer_id": clicked["customer_id"].astype(str), "at": _utc(clicked["last_clicked_at"])}
    )
    household = members[["customer_id", "household_id"]].astype(str)
    seg = segments.assign(season_year=_label_year(segments["season"])).merge(
        household, on="household_id"
    )
    seg_features = pd.DataFrame(
        {
            "customer_id": seg["customer_id"],
            "season_year": seg["season_year"],
            "segment_rank": seg["segment_rank"].astype(float),
            "frequency_seasons": seg["frequency_seasons"].astype(float),
            "recency_seasons": seg["recency_seasons"].astype(float),
            "amount_log": np.log1p(seg["amount_eur"].astype(float).clip(lower=0)),
        }
    )
    favourite = affinities.loc[
        affinities["favourite_village_id"].notna(), ["customer_id", "favourite_village_id"]
    ].rename(columns={"favourite_village_id": "village_id"})
    return _LeadEvents(
        stays=stays,
        purchases=purchases,
        sessions=web,
        sales_calls=sales_calls,
        clicks=clicks,
        village_type=villages.set_index("village_id")["village_type"].astype(str),
        segments=seg_features,
        favourite=favourite.astype(str),
    )


def _count_by(frame: pd.DataFrame, keys: list[str], name: str) -> pd.DataFrame:
    return frame.groupby(keys, as_index=False).size().rename(columns={"size": name})


def _lead_frame(
    ev: _LeadEvents,
    season_year: int,
    cutoff: pd.Timestamp,
    operating: set[str] | None,
) -> pd.DataFrame:
    """Candidate (customer, village) pairs for a season, with the features known at
    ``cutoff`` and, when the season is over, the outcome ``booked``.

    Candidates: every customer with a purchase, a booking or an identified session in
    the five years before ``cutoff``; for each, the villages of their past stays,
    sessions and sales calls of the past year, and the most booked villages of the
    last season complete at ``cutoff`` (plus the web favourite village when
    ``operating`` is given, i.e. when scoring).
    """
    five_years = cutoff - pd.DateOffset(years=5)
    year = cutoff - pd.DateOffset(years=1)
    quarter = cutoff - pd.Timedelta(days=90)
    history = ev.stays[(ev.stays["created_at"] < cutoff) & (ev.stays["season_year"] < season_year)]
    web = ev.sessions[ev.sessions["at"] < cutoff]
    active = pd.concat(
        [
            ev.purchases.loc[ev.purchases["at"].between(five_years, cutoff, "left"), "customer_id"],
            ev.stays.loc[ev.stays["created_at"].between(five_years, cutoff, "left"), "customer_id"],
            web.loc[web["at"] >= five_years, "customer_id"],
        ]
    ).unique()
    if active.size == 0:
        return pd.DataFrame(columns=["customer_id", "village_id", *LEAD_FEATURES, "booked"])
    # popularity: shares of the stays of the last season complete at the cutoff
    complete = min(season_year, int(_season_year(pd.Series([cutoff]))[0])) - 1
    last_season = history[history["season_year"] == complete]
    popularity = last_season["village_id"].value_counts(normalize=True)
    popular = popularity.sort_index().sort_values(ascending=False, kind="stable")
    top = list(popular.index[:LEAD_POPULAR_CANDIDATES])
    year_web = web[web["at"] >= year]
    year_calls = ev.sales_calls[ev.sales_calls["at"].between(year, cutoff, "left")]
    signals = [
        history[["customer_id", "village_id"]],
        year_web.loc[year_web["village_id"].notna(), ["customer_id", "village_id"]],
        year_calls[["customer_id", "village_id"]],
        pd.DataFrame(
            {
                "customer_id": np.repeat(active, len(top)),
                "village_id": np.tile(np.array(top, dtype=object), active.size),
            }
        ),
    ]
    if operating is not None:
        signals.append(ev.favourite)
    pairs = pd.concat(signals, ignore_index=True).astype(str).drop_duplicates()
    pairs = pairs[pairs["customer_id"].isin(set(active))]
    if operating is not None:
        pairs = pairs[pairs["village_id"].isin(operating)]
    pairs = pairs.sort_values(["customer_id", "village_id"], ignore_index=True)

    here = history.groupby(["customer_id", "village_id"], as_index=False).agg(
        stays_here=("season_year", "size"), last_here=("season_year", "max")
    )
    per_customer = history.groupby("customer_id", as_index=False).agg(
        stays=("season_year", "size"),
        seasons_with_stay=("season_year", "nunique"),
        mean_booking_amount=("amount_eur", "mean"),
    )
    sessions_here = _count_by(
        year_web.dropna(subset=["village_id"]), ["customer_id", "village_id"], "sessions_here"
    )
    searches_here = _count_by(
        year_web[year_web["dated_search"] & year_web["village_id"].notna()],
        ["customer_id", "village_id"],
        "searches_here",
    )
    sessions = _count_by(year_web, ["customer_id"], "sessions")
    calls_here = _count_by(year_calls, ["customer_id", "village_id"], "sales_calls_here")
    clicks = ev.clicks[ev.clicks["at"] < cutoff]
    clicks_90 = _count_by(clicks[clicks["at"] >= quarter], ["customer_id"], "clicks_90d")
    clicks_365 = _count_by(clicks[clicks["at"] >= year], ["customer_id"], "clicks_365d")
    # type affinity: the customer's past stays and village sessions on villages of this
    # village's type, smoothed towards one half
    typed = pd.concat(
        [
            history[["customer_id", "village_id"]],
            year_web.dropna(subset=["village_id"])[["customer_id", "village_id"]],
        ]
    )
    typed = typed.assign(village_type=typed["village_id"].map(ev.village_type))
    by_type = _count_by(typed, ["customer_id", "village_type"], "typed_signals")
    all_typed = _count_by(typed, ["customer_id"], "all_signals")
    segment = ev.segments[ev.segments["season_year"] == season_year - 1].drop(columns="season_year")

    frame = pairs.assign(village_type=pairs["village_id"].map(ev.village_type))
    for extra, keys in (
        (here, ["customer_id", "village_id"]),
        (per_customer, ["customer_id"]),
        (sessions_here, ["customer_id", "village_id"]),
        (searches_here, ["customer_id", "village_id"]),
        (sessions, ["customer_id"]),
        (calls_here, ["customer_id", "village_id"]),
        (clicks_90, ["customer_id"]),
        (clicks_365, ["customer_id"]),
        (by_type, ["customer_id", "village_type"]),
        (all_typed, ["customer_id"]),
        (segment, ["customer_id"]),
    ):
        frame = frame.merge(extra, on=keys, how="left")
    counts = [
        "stays_here",
        "stays",
        "seasons_with_stay",
        "sessions_here",
        "searches_here",
        "sessions",
        "sales_calls_here",
        "clicks_90d",
        "clicks_365d",
        "typed_signals",
        "all_signals",
        "segment_rank",
        "frequency_seasons",
        "amount_log",
    ]
    frame[counts] = frame[counts].fillna(0).astype(float)
    frame["recency_seasons"] = frame["recency_seasons"].fillna(5).astype(float)
    frame["seasons_since_stay_here"] = (season_year - frame["last_here"]).fillna(6).clip(upper=6)
    frame["mean_booking_amount"] = frame["mean_booking_amount"].fillna(0.0)
    frame["type_affinity"] = (frame["typed_signals"] + 0.5) / (frame["all_signals"] + 1.0)
    frame["village_popularity"] = frame["village_id"].map(popularity).fillna(0.0)
    booked = ev.stays.loc[ev.stays["season_year"] == season_year, ["customer_id", "village_id"]]
    booked = booked.drop_duplicates().assign(booked=1)
    frame = frame.merge(booked, on=["customer_id", "village_id"], how="left")
    frame["booked"] = frame["booked"].fillna(0).astype(np.int8)
    return frame[["customer_id", "village_id", *LEAD_FEATURES, "booked"]]


def _maturity(ev: _LeadEvents, scored: pd.DataFrame, today: pd.Timestamp) -> np.ndarray:
    """``hot`` after a dated search or a sales call about the village in the last 30 days,
    ``warm`` after a session on the village or a campaign click in the last 90 days."""
    month = today - pd.Timedelta(days=30)
    quarter = today - pd.Timedelta(days=90)
    web = ev.sessions[(ev.sessions["at"] <= today) & ev.sessions["village_id"].notna()]
    hot_keys = pd.concat(
        [
            web.loc[web["dated_search"] & (web["at"] >= month), ["customer_id", "village_id"]],
            ev.sales_calls.loc[
                ev.sales_calls["at"].between(month, today), ["customer_id", "village_id"]
            ],
        ]
    ).astype(str)
    warm_keys = web.loc[web["at"] >= quarter, ["customer_id", "village_id"]].astype(str)
    clickers = set(ev.clicks.loc[ev.clicks["at"].between(quarter, today), "customer_id"])
    key = scored["customer_id"] + "|" + scored["village_id"]
    hot = key.isin(set(hot_keys["customer_id"] + "|" + hot_keys["village_id"]))
    warm = key.isin(set(warm_keys["customer_id"] + "|" + warm_keys["village_id"]))
    warm |= scored["customer_id"].isin(clickers)
    return np.where(hot, "hot", np.where(warm, "warm", "cold"))


@python_product(
    LeadScores,
    inputs={
        "sales": Input(
            "sales.sales_lines",
            "payer_customer_id sale_date season amount_eur village_id is_cancelled arrival_date",
        ),
        "bookings": BOOKINGS,
        "sessions": Input(
            "web.web_sessions", ("customer_id", "started_at", "village_id", "searched_arrival_date")
        ),
        "affinities": Input("web.customer_affinities", ("customer_id", "favourite_village_id")),
        "calls": Input("telephony.calls", ("customer_id", "started_at", "call_type", "village_id")),
        "sends": SENDS,
        "villages": Input("resorts.villages", ("village_id", "village_type", "is_operating")),
        "segments": RFM,
        "members": MEMBERS,
    },
)
def lead_scores(
    *,
    sales: pd.DataFrame,
    bookings: pd.DataFrame,
    sessions: pd.DataFrame,
    affinities: pd.DataFrame,
    calls: pd.DataFrame,
    sends: pd.DataFrame,
    villages: pd.DataFrame,
    segments: pd.DataFrame,
    members: pd.DataFrame,
) -> ProductOutput:
    """Purchase potential of each customer for each village, this season and the next.

    A seeded gradient-boosting classifier learns, over past seasons T, whether a
    candidate (customer, village) pair gets a booking (not cancelled) with an arrival
    in T, from the features known at the start of T: the customer's past stays (in
    this village and overall), web sessions, dated searches and sales calls about the
    village in the past year, campaign clicks, affinity for the village's type,
    the village's share of the stays of the last complete season, and the household's
    RFM segment of T-1. Its quality is measured on the last complete season, held out
    from a first fit; the published scores come from a second fit on every past
    season, applied with the features known today (the latest event in the data).
    The customer's household comes from ``customers.customer_profile``.
    """
    ev = _lead_events(
        sales=sales,
        bookings=bookings,
        sessions=sessions,
        affinities=affinities,
        calls=calls,
        sends=sends,
        villages=villages,
        segments=segments,
        members=members,
    )
    today = _today(
        bookings["created_at"], sessions["started_at"], calls["started_at"], sends["sent_at"]
    )
    current = int(_season_year(pd.Series([today]))[0])
    seasons = sorted(int(y) for y in ev.stays["season_year"].unique() if y < current)
    train_seasons = seasons[1:] if len(seasons) > 1 else seasons
    frames = {
        t: _lead_frame(ev, t, pd.Timestamp(f"{t}-11-01", tz="UTC"), None) for t in train_seasons
    }
    rng = np.random.default_rng(SEED)

    def stack(years: list[int]) -> pd.DataFrame:
        parts = [frames[y] for y in years if len(frames[y])]
        return (
            pd.concat(parts, ignore_index=True) if parts else _lead_frame(ev, current, today, None)
        )

    evaluation: dict[str, Any] = {"holdout_season": None}
    if len(train_seasons) >= 2:
        fit_part = stack(train_seasons[:-1])
        fit_part = fit_part.iloc[_sample(len(fit_part), LEAD_MAX_TRAINING_ROWS, rng)]
        held = frames[train_seasons[-1]]
        first = _fit_binary(
            fit_part[list(LEAD_FEATURES)].to_numpy(float), fit_part["booked"].to_numpy()
        )
        p_held = _sigmoid(_raw(first, held[list(LEAD_FEATURES)].to_numpy(float)))
        evaluation = {
            "holdout_season": _season_label(train_seasons[-1]),
            **_binary_metrics(held["booked"].to_numpy(), p_held),
        }
        if len(held):
            top = p_held >= np.quantile(p_held, 0.9)
            rate = held["booked"].mean()
            evaluation["top_decile_lift"] = (
                round(float(held["booked"].to_numpy()[top].mean() / rate), 3) if rate else None
            )
    training = stack(train_seasons)
    training = training.iloc[_sample(len(training), LEAD_MAX_TRAINING_ROWS, rng)]
    model = _fit_binary(
        training[list(LEAD_FEATURES)].to_numpy(float), training["booked"].to_numpy()
    )

    operating = set(villages.loc[villages["is_operating"].astype(bool), "village_id"].astype(str))
    scored_parts = []
    for year in (current, current + 1):
        frame = _lead_frame(ev, year, today, operating)
        frame = frame.assign(season=_season_label(year))
        frame["score"] = _sigmoid(_raw(model, frame[list(LEAD_FEATURES)].to_numpy(float)))
        scored_parts.append(frame)
    scored = pd.concat(scored_parts, ignore_index=True)
    scored = scored.sort_values(
        ["season", "customer_id", "score", "village_id"],
        ascending=[True, True, False, True],
        ignore_index=True,
    )
    scored["rank_for_customer"] = scored.groupby(["season", "customer_id"]).cumcount() + 1
    scored = scored[scored["rank_for_customer"] <= LEAD_TOP_VILLAGES].reset_index(drop=True)
    # decile of the score among the season's rows, 10 = the top tenth (ties by ids)
    ordered = scored.sort_values(["season", "score", "customer_id", "village_id"])
    position = ordered.groupby("season").cumcount().to_numpy()
    size = ordered.groupby("season")["score"].transform("size").to_numpy()
    scored.loc[ordered.index, "decile"] = position * 10 // size + 1
    scored["decile"] = scored["decile"].astype(int)

    amounts = ev.stays[ev.stays["created_at"] <= today]
    customer_mean = amounts.groupby("customer_id")["amount_eur"].mean()
    village_mean = amounts.groupby("village_id")["amount_eur"].mean()
    overall = float(amounts["amount_eur"].mean()) if len(amounts) else 0.0
    expected = (
        scored["customer_id"]
        .map(customer_mean)
        .fillna(scored["village_id"].map(village_mean))
        .fillna(overall)
    )
    scored["predicted_revenue_eur"] = (scored["score"] * expected).clip(lower=0).round(2)
    scored["maturity"] = _maturity(ev, scored, today)
    version = f"lead-hgb-{today:%Y.%m.%d}"
    out = scored.assign(model_version=version, scored_at=today)[
        [
            "customer_id",
            "village_id",
            "season",
            "score",
            "rank_for_customer",
            "decile",
            "predicted_revenue_eur",
            "maturity",
            "model_version",
            "scored_at",
        ]
    ]
    metadata = {
        "model": "HistGradientBoostingClassifier",
        "model_version": version,
        "today": today.isoformat(),
        "features": list(LEAD_FEATURES),
        "training_seasons": [_season_label(y) for y in train_seasons],
        "training_rows": len(training),
        "training_base_rate": round(float(training["booked"].mean()), 5) if len(training) else None,
        "evaluation": evaluation,
        "scored_rows": len(out),
    }
    return ProductOutput(out, metadata)


# --- campaign appetence -------------------------------------------------------------------

SETTINGS: dict[str, tuple[str, ...]] = {
    "main_highlight": get_args(MainHighlight),
    "secondary_highlight": get_args(SecondaryHighlight),
    "subject_type": get_args(SubjectType),
    "best_send_day": get_args(Weekday),
    "best_send_time_slot": get_args(TimeSlot),
}
"""The five content and timing settings, with their values in contract order."""
PROGRAMMES: tuple[str, ...] = get_args(CycleLabel)
"""The campaign programmes (``cycle_label``); stay-cycle mails and powder alarms are the
two programmes whose usefulness is decided per customer."""
SEGMENTS: tuple[str, ...] = get_args(Segment)
PARIS = "Europe/Paris"
ACTION_WINDOW = pd.Timedelta(days=7)
"""A booking this soon after a send is an action on the send."""
CUSTOMER_PRIOR_WEIGHT = 10.0
"""Pseudo-sends pulling a customer's past action rate towards the base rate."""
VALUE_PRIOR_WEIGHT = 5.0
"""Pseudo-sends pulling a customer's rate on one setting value towards their own rate."""
HOLDOUT_SHARE = 0.2
APPETENCE_MAX_TRAINING_ROWS = 1_500_000
APPETENCE_MAX_EVALUATION_ROWS = 500_000
PREDICTION_CHUNK_ROWS = 1_000_000
CUSTOMER_FEATURES = (
    "prior_action_logit",
    "prior_open_logit",
    "prior_sends_log",
    "segment_rank",
    "frequency_seasons",
    "recency_seasons",
    "amount_log",
)
SEGMENT_FEATURES = (
    "segment_rank",
    "frequency_seasons",
    "recency_seasons",
    "amount_log",
    "season_amount_log",
    "action_rate",
    "sends_log",
)


@dataclass(frozen=True)
class _SendLog:
    """The learning base: one entry per send, settings as integer codes."""

    customers: np.ndarray  # customer_id of each code
    customer: np.ndarray  # code per send
    season: np.ndarray  # 0 .. n_seasons-1 per send
    first_year: int
    n_seasons: int
    codes: dict[str, np.ndarray]  # setting (and "cycle") -> value code per send
    channel: np.ndarray  # 0 e-mail, 1 SMS
    action: np.ndarray  # 1 when the send triggered an action
    opened: np.ndarray  # 1 when the send was opened

    @property
    def rows(self) -> int:
        return int(self.customer.size)


def _send_log(sends: pd.DataFrame, bookings: pd.DataFrame) -> _SendLog:
    """Codes the sends and labels them: clicked, opened twice, or followed by a booking
    of the customer within seven days."""
    sends = sends.sort_values("send_id", ignore_index=True)
    sent = _utc(sends["sent_at"]).astype("datetime64[ns, UTC]")
    local = sent.dt.tz_convert(PARIS)
    hour = local.dt.hour.to_numpy()
    slot = np.select([(hour >= 6) & (hour < 12), (hour >= 12) & (hour < 18)], [0, 1], 2)
    codes = {
        "main_highlight": sends["main_highlight"],
        "secondary_highlight": sends["secondary_highlight"],
        "subject_type": sends["subject_type"],
    }
    coded = {
        name: pd.Categorical(values, categories=SETTINGS[name]).codes.astype(np.int64)
        for name, values in codes.items()
    }
    coded["best_send_day"] = local.dt.dayofweek.to_numpy().astype(np.int64)
    coded["best_send_time_slot"] = slot.astype(np.int64)
    coded["cycle"] = pd.Categorical(sends["cycle_label"], categories=PROGRAMMES).codes.astype(
        np.int64
    )
    if any((c < 0).any() for c in coded.values()):
        raise ValueError("customer_intelligence.campaign_appetence: unknown campaign setting value")
    customer_codes, customers = pd.factorize(sends["customer_id"].astype(str), sort=True)

    left = pd.DataFrame(
        {"customer_id": sends["customer_id"].astype(str), "at": sent, "row": np.arange(len(sends))}
    ).sort_values(["at", "row"])
    right = pd.DataFrame(
        {
            "customer_id": bookings["customer_id"].astype(str),
            "booked_at": _utc(bookings["created_at"]).astype("datetime64[ns, UTC]"),
        }
    ).sort_values("booked_at")
    matched = pd.merge_asof(
        left,
        right,
        left_on="at",
        right_on="booked_at",
        by="customer_id",
        direction="forward",
        tolerance=ACTION_WINDOW,
    )
    booked = np.zeros(len(sends), dtype=bool)
    booked[matched["row"].to_numpy()] = matched["booked_at"].notna().to_numpy()
    action = (
        (sends["clicks_count"].to_numpy() > 0) | (sends["opens_count"].to_numpy() >= 2) | booked
    )
    years = _season_year(sent)
    first_year = int(years.min()) if years.size else 0
    return _SendLog(
        customers=np.asarray(customers, dtype=object),
        customer=customer_codes.astype(np.int64),
        season=(years - first_year).astype(np.int64),
        first_year=first_year,
        n_seasons=int(years.max() - first_year + 1) if years.size else 0,
        codes=coded,
        channel=(sends["channel"] == "sms").to_numpy().astype(np.int64),
        action=action.astype(np.int64),
        opened=(sends["opens_count"].to_numpy() > 0).astype(np.int64),
    )


@dataclass(frozen=True)
class _Signal:
    """One engagement signal of each customer, before each season and now.

    ``prior[c, s]`` is the signal's rate for customer c over its eligible sends of the
    seasons before s (s = n_seasons: every season), smoothed towards the base rate;
    ``send_lift[k]`` the lift (log-odds ratio) of each send's value of setting k over
    its customer's own rate, from the seasons before the send's; ``now_lift[k][c, v]``
    the same lift for every value v, from every season.
    """

    sends: np.ndarray  # (C, S+1) eligible sends before season s
    prior: np.ndarray  # (C, S+1)
    send_lift: dict[str, np.ndarray]
    now_lift: dict[str, np.ndarray]


def _signal(log: _SendLog, hit: np.ndarray, eligible: np.ndarray) -> _Signal:
    """The customer history of one signal (``hit`` among the ``eligible`` sends)."""
    n_customers, width = int(log.customers.size), log.n_seasons + 1
    cell = log.customer * width + log.season + 1
    size = n_customers * width
    weight = eligible.astype(np.float64)
    hit = (hit * eligible).astype(np.float64)
    sends = np.bincount(cell, weights=weight, minlength=size).reshape(n_customers, width)
    hits = np.bincount(cell, weights=hit, minlength=size).reshape(n_customers, width)
    sends, hits = sends.cumsum(axis=1), hits.cumsum(axis=1)
    base = float(hit.sum() / max(weight.sum(), 1.0))
    prior = (hits + CUSTOMER_PRIOR_WEIGHT * base) / (sends + CUSTOMER_PRIOR_WEIGHT)
    send_lift: dict[str, np.ndarray] = {}
    now_lift: dict[str, np.ndarray] = {}
    for name, values in {**SETTINGS, "cycle": PROGRAMMES}.items():
        n_values = len(values)
        index = cell * n_values + log.codes[name]
        shape = (n_customers, width, n_values)
        count = np.bincount(index, weights=weight, minlength=size * n_values).reshape(shape)
        won = np.bincount(index, weights=hit, minlength=size * n_values).reshape(shape)
        own = prior[:, :, None]
        rate = (won.cumsum(axis=1) + VALUE_PRIOR_WEIGHT * own) / (
            count.cumsum(axis=1) + VALUE_PRIOR_WEIGHT
        )
        lift = _logit(rate) - _logit(np.broadcast_to(own, rate.shape))
        send_lift[name] = lift[log.customer, log.season, log.codes[name]]
        now_lift[name] = lift[:, -1, :]
    return _Signal(sends=sends, prior=prior, send_lift=send_lift, now_lift=now_lift)


@dataclass(frozen=True)
class _History:
    """A customer's past actions (every send) and opens (e-mails: SMS opens are not
    tracked); opens are frequent enough to reveal preferences that actions alone,
    a few per customer, cannot."""

    action: _Signal
    open: _Signal

    def send_lifts(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Per setting, the (action, open) lifts of the given sends' own values."""
        return {
            k: np.column_stack([self.action.send_lift[k][rows], self.open.send_lift[k][rows]])
            for k in self.action.send_lift
        }

    def now_lifts(
        self, customer: np.ndarray, codes: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Per setting, the (action, open) lifts now of the given values."""
        return {
            k: np.column_stack(
                [
                    self.action.now_lift[k][customer, codes[k]],
                    self.open.now_lift[k][customer, codes[k]],
                ]
            )
            for k in self.action.now_lift
        }


def _history(log: _SendLog) -> _History:
    email = log.channel == 0
    return _History(
        action=_signal(log, log.action, np.ones(log.rows, dtype=bool)),
        open=_signal(log, log.opened, email),
    )


def _design(
    customer_block: np.ndarray,
    codes: dict[str, np.ndarray],
    lifts: dict[str, np.ndarray],
    channel: np.ndarray,
) -> np.ndarray:
    """The model's design matrix: the customer block, then for each setting its code and
    the customer's two lifts for it, then the programme, the channel and their lifts."""
    columns = [customer_block]
    for name in SETTINGS:
        columns.append(np.column_stack([codes[name], lifts[name]]))
    columns.append(np.column_stack([codes["cycle"], channel, lifts["cycle"]]))
    return np.hstack(columns).astype(np.float64)


def _design_layout() -> tuple[list[bool], list[list[int]]]:
    """Categorical columns, and the interaction constraints that keep the model additive
    across settings: a tree may combine the customer's features with ONE setting block.
    The log-odds is then a sum of one term per setting (given the customer), so the best
    value of each setting does not depend on the others and is found exactly."""
    n_customer = len(CUSTOMER_FEATURES)
    categorical = [False] * n_customer
    groups: list[list[int]] = []
    position = n_customer
    for _ in SETTINGS:
        categorical += [True, False, False]
        groups.append([*range(n_customer), position, position + 1, position + 2])
        position += 3
    categorical += [True, True, False, False]
    groups.append([*range(n_customer), *range(position, position + 4)])
    return categorical, groups


def _customer_block(
    history: _History,
    customer: np.ndarray,
    season: np.ndarray,
    rfm: np.ndarray,
    rfm_slot: np.ndarray,
) -> np.ndarray:
    """Customer features: past action and open rates (log-odds), past sends, household
    RFM."""
    return np.column_stack(
        [
            _logit(history.action.prior[customer, season]),
            _logit(history.open.prior[customer, season]),
            np.log1p(history.action.sends[customer, season]),
            rfm[customer, rfm_slot],
        ]
    )


def _rfm_by_customer(
    segments: pd.DataFrame,
    household_of: pd.Series,
    customers: np.ndarray,
    first_year: int,
    width: int,
) -> np.ndarray:
    """``rfm[c, y]``: rank, F, R and log amount of customer c's household in season
    ``first_year - 1 + y`` (zeros when not segmented)."""
    rfm = np.zeros((customers.size, width, 4))
    if not len(segments):
        return rfm
    frame = pd.DataFrame({"customer_id": customers, "code": np.arange(customers.size)})
    frame["household_id"] = frame["customer_id"].map(household_of)
    seg = segments.assign(slot=_label_year(segments["season"]) - first_year + 1)
    seg = seg[(seg["slot"] >= 0) & (seg["slot"] < width)]
    joined = frame.merge(seg, on="household_id")
    rfm[joined["code"].to_numpy(), joined["slot"].to_numpy()] = np.column_stack(
        [
            joined["segment_rank"].to_numpy(float),
            joined["frequency_seasons"].to_numpy(float),
            joined["recency_seasons"].to_numpy(float),
            np.log1p(joined["amount_eur"].to_numpy(float).clip(min=0)),
        ]
    )
    return rfm


def _segment_training(
    segments: pd.DataFrame, household_sends: pd.DataFrame, last_year: int
) -> pd.DataFrame:
    """Household-season rows S -> the segment in S+1 (OUT when not segmented), with the
    features of S and the household's observed action rate on the sends of S."""
    seg = segments.assign(year=_label_year(segments["season"]))
    years = set(seg["year"])
    now = seg[seg["year"].add(1).isin(years) & (seg["year"] < last_year)]
    nxt = seg[["household_id", "year", "segment"]].assign(year=seg["year"] - 1)
    rows = now.merge(
        nxt.rename(columns={"segment": "next_segment"}), on=["household_id", "year"], how="left"
    )
    rows["next_segment"] = rows["next_segment"].fillna("OUT")
    return _segment_features(rows, household_sends)


def _segment_features(rows: pd.DataFrame, household_sends: pd.DataFrame) -> pd.DataFrame:
    rows = rows.merge(household_sends, on=["household_id", "year"], how="left")
    rows["sends"] = rows["sends"].fillna(0)
    if "action_rate" not in rows:
        rows["action_rate"] = (rows["actions"] / rows["sends"]).where(rows["sends"] > 0)
    return rows.assign(
        segment_rank=rows["segment_rank"].astype(float),
        frequency_seasons=rows["frequency_seasons"].astype(float),
        recency_seasons=rows["recency_seasons"].astype(float),
        amount_log=np.log1p(rows["amount_eur"].astype(float).clip(lower=0)),
        season_amount_log=np.log1p(rows["season_amount_eur"].astype(float).clip(lower=0)),
        sends_log=np.log1p(rows["sends"].astype(float)),
    )


def _fit_segments(
    training: pd.DataFrame, rng: np.random.Generator
) -> tuple[HistGradientBoostingClassifier | None, dict[str, Any]]:
    """The next-segment classifier, fitted on 80% of the households; its accuracy on
    the others, next to that of predicting each segment's most frequent destination."""
    if training["next_segment"].nunique() < 2:
        return None, {"rows": len(training), "accuracy": None}
    households = training["household_id"].unique()
    held = set(households[rng.random(households.size) < HOLDOUT_SHARE])
    test = training["household_id"].isin(held).to_numpy()
    fit, check = training[~test], training[test]
    model = HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.1, max_leaf_nodes=15, random_state=SEED
    )
    with threadpool_limits(limits=MODEL_THREADS):
        model.fit(fit[list(SEGMENT_FEATURES)].to_numpy(float), fit["next_segment"].to_numpy())
    metrics: dict[str, Any] = {"rows": len(training), "holdout_rows": len(check)}
    if len(check):
        with threadpool_limits(limits=MODEL_THREADS):
            predicted = model.predict(check[list(SEGMENT_FEATURES)].to_numpy(float))
        usual = fit.groupby("segment")["next_segment"].agg(lambda s: s.value_counts().index[0])
        metrics["accuracy"] = round(float(accuracy_score(check["next_segment"], predicted)), 4)
        metrics["accuracy_most_frequent_move"] = round(
            float(accuracy_score(check["next_segment"], check["segment"].map(usual).fillna("OUT"))),
            4,
        )
    return model, metrics


def _predict_segment(
    model: HistGradientBoostingClassifier | None, rows: pd.DataFrame
) -> np.ndarray:
    """The most probable next segment (leaving the base is not a segment: OUT is
    excluded from the choice); the current segment without a model."""
    if model is None or not len(rows):
        return rows["segment"].to_numpy()
    with threadpool_limits(limits=MODEL_THREADS):
        proba = model.predict_proba(rows[list(SEGMENT_FEATURES)].to_numpy(float))
    classes = np.asarray(model.classes_)
    allowed = np.isin(classes, SEGMENTS)
    proba = np.where(allowed[None, :], proba, -1.0)
    return np.asarray(classes[proba.argmax(axis=1)])


def _choose_programmes(
    count: np.ndarray, rec_sum: np.ndarray, hypothetical: np.ndarray, share: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The set of programmes that gives each customer the highest mean probability.

    Args:
        count: (customers, programmes) sends received per programme.
        rec_sum: (customers, programmes) summed probabilities of those sends with the
            best settings.
        hypothetical: (customers, programmes) probability of one more send of each
            programme with the best settings (for programmes never received).
        share: (programmes,) share of each programme among all sends.

    Returns:
        The best mean probability and, per customer, which programmes belong to the
        best set. The candidates are the programmes as received, and the annual mails
        with or without stay-cycle mails and powder alarms; a programme never received
        enters at its share of the customer's sends. The set as received is a
        candidate, so the best mean is never below the sends as received.
    """
    received = count > 0
    total = count.sum(axis=1, keepdims=True)
    weight = np.where(received, count, share[None, :] * total)
    value = np.where(received, rec_sum, hypothetical * weight)
    annual, stay, powder = (PROGRAMMES.index(p) for p in ("ANNUAL", "STAY", "POWDER_ALARM"))
    options = [received]
    for with_stay in (False, True):
        for with_powder in (False, True):
            chosen = np.zeros(len(PROGRAMMES), dtype=bool)
            chosen[annual] = True
            chosen[stay], chosen[powder] = with_stay, with_powder
            options.append(np.broadcast_to(chosen, received.shape))
    means = np.column_stack(
        [
            (value * chosen).sum(axis=1) / np.maximum((weight * chosen).sum(axis=1), 1e-12)
            for chosen in options
        ]
    )
    pick = means.argmax(axis=1)
    rows = np.arange(len(pick))
    return means[rows, pick], np.stack(options, axis=1)[rows, pick]


@python_product(
    CampaignAppetence,
    inputs={
        "sends": SENDS,
        "bookings": BOOKINGS,
        "segments": RFM,
        "members": MEMBERS,
        "households": Input("customers.households", ("household_id", "size", "stays")),
    },
)
def campaign_appetence(
    sends: pd.DataFrame,
    bookings: pd.DataFrame,
    segments: pd.DataFrame,
    members: pd.DataFrame,
    households: pd.DataFrame,
) -> ProductOutput:
    """Each customer's best campaign settings, their appetence gain and the segment move.

    The learning base is every send; its label is an action (click, second open, or a
    booking of the customer within seven days). A seeded gradient-boosting classifier
    learns the probability of an action from the customer's features known before the
    send's season (past action rate and, per setting value, the customer's lift over
    it; the household's RFM of the previous season) and the send's settings (main and
    secondary highlight, subject type, send day and time slot in Paris time,
    programme and channel). Interaction constraints keep its log-odds a sum of one term
    per setting, so each customer's best value of each setting is found exactly, and
    replacing a send's settings by the best ones can only raise its probability.

    Recommended probability: the customer's sends as received with the best settings,
    then with stay-cycle mails and powder alarms each kept, dropped or (when never
    received) added at their share of all sends, whichever set gives the highest mean
    probability. The next segment comes from a second classifier trained on past
    season-to-season transitions, fed with the recommended probability as the
    household's action rate. Customers are those with a send whose household has a
    segment in the latest season (the others have no segment to move from); their
    household comes from ``customers.customer_profile``.
    """
    rng = np.random.default_rng(SEED)
    log = _send_log(sends, bookings)
    history = _history(log)
    today = _today(sends["sent_at"], bookings["created_at"])
    segment_year = _label_year(segments["season"])
    latest = int(segment_year.max())
    known = members[members["household_id"].isin(set(households["household_id"]))]
    household_of = known.set_index(known["customer_id"].astype(str))["household_id"].astype(str)
    width = max(log.n_seasons, latest - log.first_year + 1) + 1
    rfm = _rfm_by_customer(segments, household_of, log.customers, log.first_year, width)
    categorical, groups = _design_layout()

    # the action model: customers split 80/20, sends sampled within each side
    held_customer = rng.random(log.customers.size) < HOLDOUT_SHARE
    held_rows = held_customer[log.customer]
    fit_rows = np.flatnonzero(~held_rows)
    fit_rows = fit_rows[_sample(fit_rows.size, APPETENCE_MAX_TRAINING_ROWS, rng)]
    eval_rows = np.flatnonzero(held_rows)
    eval_rows = eval_rows[_sample(eval_rows.size, APPETENCE_MAX_EVALUATION_ROWS, rng)]

    def in_time(rows: np.ndarray) -> np.ndarray:
        customer, season = log.customer[rows], log.season[rows]
        block = _customer_block(history, customer, season, rfm, season)
        codes = {k: v[rows] for k, v in log.codes.items()}
        lifts = history.send_lifts(rows)
        return _design(block, codes, lifts, log.channel[rows])

    model = _fit_binary(
        in_time(fit_rows), log.action[fit_rows], categorical=categorical, interaction_cst=groups
    )
    evaluation = _binary_metrics(log.action[eval_rows], _sigmoid(_raw(model, in_time(eval_rows))))

    # customers in scope, their features now (every season) and their best settings
    current = segments[segment_year == latest]
    segment_of = current.set_index("household_id")["segment"]
    scope_households = pd.Series(log.customers).map(household_of)
    in_scope = scope_households.isin(set(segment_of.index)).to_numpy()
    scope = np.flatnonzero(in_scope)
    n_scope = scope.size
    now = np.full(n_scope, log.n_seasons)
    block = _customer_block(history, scope, now, rfm, np.full(n_scope, latest - log.first_year + 1))

    def at_values(setting_values: dict[str, np.ndarray], cycle: np.ndarray) -> np.ndarray:
        codes = {**setting_values, "cycle": cycle}
        lifts = history.now_lifts(scope, codes)
        return _raw(model, _design(block, codes, lifts, np.zeros(n_scope, dtype=np.int64)))

    reference = {name: np.zeros(n_scope, dtype=np.int64) for name in SETTINGS}
    annual = np.zeros(n_scope, dtype=np.int64)
    term: dict[str, np.ndarray] = {}
    best: dict[str, np.ndarray] = {}
    for name, values in SETTINGS.items():
        term[name] = np.column_stack(
            [
                at_values({**reference, name: np.full(n_scope, v, dtype=np.int64)}, annual)
                for v in range(len(values))
            ]
        )
        best[name] = term[name].argmax(axis=1)

    # baseline: the sends as received; recommended: the same sends with the best settings
    position = np.full(log.customers.size, -1)
    position[scope] = np.arange(n_scope)
    rows = np.flatnonzero(in_scope[log.customer])
    who = position[log.customer[rows]]
    base_sum = np.zeros(n_scope)
    rec_sum = np.zeros((n_scope, len(PROGRAMMES)))
    count = np.zeros((n_scope, len(PROGRAMMES)))
    for start in range(0, rows.size, PREDICTION_CHUNK_ROWS):
        part, where = (
            rows[start : start + PREDICTION_CHUNK_ROWS],
            who[start : start + PREDICTION_CHUNK_ROWS],
        )
        codes = {k: v[part] for k, v in log.codes.items()}
        lifts = history.now_lifts(log.customer[part], codes)
        raw = _raw(model, _design(block[where], codes, lifts, log.channel[part]))
        uplift = sum(term[k][where, best[k][where]] - term[k][where, codes[k]] for k in SETTINGS)
        base_sum += np.bincount(where, weights=_sigmoid(raw), minlength=n_scope)
        cell = where * len(PROGRAMMES) + codes["cycle"]
        rec_sum += np.bincount(
            cell, weights=_sigmoid(raw + uplift), minlength=n_scope * len(PROGRAMMES)
        ).reshape(n_scope, -1)
        count += np.bincount(cell, minlength=n_scope * len(PROGRAMMES)).reshape(n_scope, -1)
    sends_total = count.sum(axis=1)
    baseline = base_sum / sends_total
    share = np.bincount(log.codes["cycle"], minlength=len(PROGRAMMES)) / max(log.rows, 1)
    hypothetical = np.column_stack(
        [
            _sigmoid(at_values(best, np.full(n_scope, c, dtype=np.int64)))
            for c in range(len(PROGRAMMES))
        ]
    )
    best_mean, chosen_set = _choose_programmes(count, rec_sum, hypothetical, share)
    recommended = np.maximum(best_mean, baseline)
    gain = np.clip(recommended - baseline, 0.0, 1.0)

    # next segment with the recommended (and, for comparison, the baseline) settings
    send_household = pd.Series(log.customers[log.customer]).map(household_of)
    per_household = pd.DataFrame(
        {
            "household_id": send_household.to_numpy(),
            "year": log.first_year + log.season,
            "actions": log.action,
        }
    ).dropna(subset=["household_id"])
    household_sends = per_household.groupby(["household_id", "year"], as_index=False).agg(
        sends=("actions", "size"), actions=("actions", "sum")
    )
    seg_model, seg_metrics = _fit_segments(
        _segment_training(segments, household_sends, latest), rng
    )
    scope_ids = log.customers[scope]
    scope_household = household_of.reindex(scope_ids).to_numpy()
    now_rows = pd.DataFrame({"customer_id": scope_ids, "household_id": scope_household}).merge(
        current.assign(year=latest), on="household_id", how="left"
    )
    predicted = _predict_segment(
        seg_model, _segment_features(now_rows.assign(action_rate=recommended), household_sends)
    )
    predicted_base = _predict_segment(
        seg_model, _segment_features(now_rows.assign(action_rate=baseline), household_sends)
    )
    rank = pd.Series(SEGMENT_RANK)
    steps = rank.reindex(predicted).to_numpy() - now_rows["segment_rank"].to_numpy()
    mean_amount = current.groupby("segment")["season_amount_eur"].mean()
    delta = (
        mean_amount.reindex(predicted).to_numpy()
        - mean_amount.reindex(now_rows["segment"]).to_numpy()
    )
    expected_gain = np.where(steps > 0, np.clip(delta, 0, None), 0.0)
    avoided_loss = np.where(steps < 0, np.clip(-delta, 0, None) * gain, 0.0)

    version = f"appetence-hgb-{today:%Y.%m.%d}"
    out = pd.DataFrame(
        {
            "customer_id": scope_ids,
            "household_id": scope_household,
            "season": _season_label(latest),
            **{
                name: np.asarray(values, dtype=object)[best[name]]
                for name, values in SETTINGS.items()
            },
            "powder_alarm_useful": chosen_set[:, PROGRAMMES.index("POWDER_ALARM")],
            "stay_cycle_mails_useful": chosen_set[:, PROGRAMMES.index("STAY")],
            "baseline_action_probability": baseline,
            "recommended_action_probability": recommended,
            "appetence_gain": gain,
            "current_segment": now_rows["segment"].to_numpy(),
            "predicted_segment": predicted,
            "segment_steps": steps.astype(int),
            "predicted_move": np.select([steps > 0, steps < 0], ["UP", "DOWN"], "STABLE"),
            "expected_gain_eur": np.round(expected_gain, 2),
            "avoided_loss_eur": np.round(avoided_loss, 2),
            "model_version": version,
            "scored_at": today,
        }
    )
    moves = out["predicted_move"]
    totals = {
        "customers": len(out),
        "movements": int((moves != "STABLE").sum()),
        "movements_share": round(float((moves != "STABLE").mean()), 4) if len(out) else None,
        "movements_up": int((moves == "UP").sum()),
        "movements_down": int((moves == "DOWN").sum()),
        "up_by_steps": {str(s): int((steps == s).sum()) for s in range(1, 6) if (steps == s).any()},
        "down_by_steps": {
            str(-s): int((steps == -s).sum()) for s in range(1, 6) if (steps == -s).any()
        },
        "moves_changed_by_settings": int((predicted != predicted_base).sum()),
        "expected_gain_eur": round(float(out["expected_gain_eur"].sum()), 2),
        "avoided_loss_eur": round(float(out["avoided_loss_eur"].sum()), 2),
        "mean_appetence_gain": round(float(gain.mean()), 4) if len(out) else None,
        "powder_alarm_useful_share": round(float(out["powder_alarm_useful"].mean()), 4)
        if len(out)
        else None,
        "stay_cycle_mails_useful_share": round(float(out["stay_cycle_mails_useful"].mean()), 4)
        if len(out)
        else None,
    }
    metadata = {
        "model": "HistGradientBoostingClassifier (additive across settings)",
        "model_version": version,
        "today": today.isoformat(),
        "learning_base_sends": log.rows,
        "action_rate": round(float(log.action.mean()), 5) if log.rows else None,
        "training_rows": int(fit_rows.size),
        "features": [
            *CUSTOMER_FEATURES,
            *(f"{k} with its action and open lifts" for k in SETTINGS),
            "programme and channel with their action and open lifts",
        ],
        "evaluation": {"split": "20% of customers held out", **evaluation},
        "segment_model": seg_metrics,
        "totals": totals,
    }
    return ProductOutput(out, metadata)
