"""The seeds' analyses as pictures, drawn with matplotlib from the published products.

Each :class:`Chart` names the product it belongs to and the columns it reads; it draws
a figure and gives the figures behind it (a small table under the picture, for readers
who would rather read, and for the search). Segment colours and orders come from the
contracts (the segment column's accepted values), not from a list written here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from mesh_platform.contract import DataContract, column_map

TableRows = Sequence[Sequence[str]]

PALETTE = ("#1b4f72", "#2e86c1", "#48c9b0", "#f4d03f", "#eb984e", "#cb4335", "#7f8c8d")
"""Colours of ordered categories, best first; the last one for ``OUT`` (not in the base)."""


@dataclass(frozen=True)
class Drawing:
    """A chart drawn from data: the picture and the figures behind it."""

    title: str
    png: bytes
    caption: str
    headers: tuple[str, ...]
    rows: TableRows


@dataclass(frozen=True)
class Chart:
    """A picture of one product."""

    product: str
    columns: tuple[str, ...]
    draw: Callable[[pd.DataFrame, type[DataContract]], Drawing | None]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _figure(width: float = 7.5, height: float = 4.2) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure


def _segments(contract: type[DataContract], column: str) -> list[str]:
    values = column_map(contract)[column].allowed_values or ()
    return [str(v) for v in values]


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def segment_transitions(frame: pd.DataFrame, contract: type[DataContract]) -> Drawing | None:
    """The segment-to-segment matrix of the last pair of seasons: share of each row's
    households that moved to each column's segment."""
    if frame.empty:
        return None
    last = frame["season_to"].max()
    pair = frame[frame["season_to"] == last]
    first = str(pair["season_from"].iloc[0])
    order = _segments(contract, "segment_from")
    matrix = (
        pair.pivot_table(
            index="segment_from", columns="segment_to", values="households", aggfunc="sum"
        )
        .reindex(index=order, columns=order)
        .fillna(0)
    )
    totals = matrix.sum(axis=1)
    shares = matrix.div(totals.where(totals > 0), axis=0).fillna(0)
    figure = _figure(7, 5.6)
    axes = figure.add_subplot()
    image = axes.imshow(shares.to_numpy(), cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(order)), order, rotation=35, ha="right")
    axes.set_yticks(range(len(order)), order)
    axes.set_xlabel(f"segment in {last}")
    axes.set_ylabel(f"segment in {first}")
    for i, row in enumerate(order):
        for j, col in enumerate(order):
            count = int(matrix.loc[row, col])
            if count:
                share = float(shares.loc[row, col])
                colour = "white" if share > 0.55 else "black"
                axes.text(
                    j,
                    i,
                    f"{_pct(share)}\n{count}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=colour,
                )
    figure.colorbar(image, ax=axes, label="share of the row's households")
    axes.set_title(f"Matrice de passage {first} → {last}")
    rows = [
        (row, col, str(int(matrix.loc[row, col])), _pct(float(shares.loc[row, col])))
        for row in order
        for col in order
        if matrix.loc[row, col]
    ]
    return Drawing(
        title="Segment transition matrix",
        png=_png(figure),
        caption=f"Households by segment in {first} (rows) and in {last} (columns); "
        "each cell: share of the row's households, and their number. OUT: not in the base.",
        headers=("segment_from", "segment_to", "households", "share_of_segment_from"),
        rows=rows,
    )


def revenue_concentration(frame: pd.DataFrame, contract: type[DataContract]) -> Drawing | None:
    """The cumulative revenue by household rank, coloured by segment (the 3% / 33% curve)."""
    if frame.empty:
        return None
    season = frame["season"].max()
    window = frame[frame["season"] == season].sort_values("revenue_rank")
    figure = _figure()
    axes = figure.add_subplot()
    axes.plot(
        window["cumulative_households_share"],
        window["cumulative_revenue_share"],
        color="#bbbbbb",
        linewidth=1,
        zorder=1,
    )
    for colour, segment in zip(PALETTE, _segments(contract, "segment"), strict=False):
        part = window[window["segment"] == segment]
        if not part.empty:
            axes.scatter(
                part["cumulative_households_share"],
                part["cumulative_revenue_share"],
                s=10,
                color=colour,
                label=segment,
                zorder=2,
            )
    reading = window[window["cumulative_households_share"] <= 0.03]
    top = float(reading["cumulative_revenue_share"].max()) if not reading.empty else 0.0
    axes.axvline(0.03, color="#cb4335", linestyle="--", linewidth=1)
    axes.set_xlabel("share of households, by revenue rank")
    axes.set_ylabel("cumulative share of revenue")
    axes.set_title(f"Chiffre d'affaires cumulé, window ending {season}")
    axes.legend(fontsize=8, loc="lower right")
    households = len(window)
    return Drawing(
        title="Cumulative revenue by household rank",
        png=_png(figure),
        caption=f"{households} households of the five seasons ending {season}; "
        f"the top 3% make {_pct(top)} of revenue.",
        headers=("season", "households", "revenue share of the top 3%"),
        rows=[(str(season), str(households), _pct(top))],
    )


def return_rate_animated(frame: pd.DataFrame, contract: type[DataContract]) -> Drawing | None:
    """Return rate of animated versus not-animated households, by season."""
    if frame.empty:
        return None
    table = frame.pivot_table(index="season", columns="animated", values="return_rate")
    seasons = list(table.index)
    figure = _figure()
    axes = figure.add_subplot()
    width = 0.4
    for offset, (animated, label, colour) in enumerate(
        ((True, "animated", PALETTE[1]), (False, "not animated", PALETTE[6]))
    ):
        if animated in table.columns:
            values = table[animated].fillna(0).to_numpy()
            positions = [i + (offset - 0.5) * width for i in range(len(seasons))]
            axes.bar(positions, values, width=width, label=label, color=colour)
    axes.set_xticks(range(len(seasons)), seasons)
    axes.set_ylabel("return rate")
    axes.set_ylim(0, 1)
    axes.set_title("Taux de retour des animés vs non animés")
    axes.legend()
    rows = [
        (
            str(r.season),
            "yes" if r.animated else "no",
            str(r.households),
            _pct(float(str(r.return_rate))),
        )
        for r in frame.sort_values(["season", "animated"]).itertuples()
    ]
    return Drawing(
        "Return rate, animated or not",
        _png(figure),
        "Share of the previous season's households that came back, by season.",
        ("season", "animated", "households", "return_rate"),
        rows,
    )


def loyal_weight(frame: pd.DataFrame, contract: type[DataContract]) -> Drawing | None:
    """The weight of the loyal segments (households and revenue) by season."""
    if frame.empty:
        return None
    order = _segments(contract, "segment")
    loyal = set(order[:2])  # the two best-ranked segments
    frame = frame.assign(loyal=frame["segment"].isin(loyal))
    seasons = sorted(frame["season"].unique())
    households = [float(frame[frame.season == s]["loyal"].mean()) for s in seasons]
    revenue = []
    for season in seasons:
        part = frame[frame.season == season]
        total = float(part["season_amount_eur"].sum())
        revenue.append(float(part[part.loyal]["season_amount_eur"].sum()) / total if total else 0.0)
    figure = _figure()
    axes = figure.add_subplot()
    axes.plot(seasons, households, marker="o", label="share of households", color=PALETTE[1])
    axes.plot(seasons, revenue, marker="o", label="share of the season's revenue", color=PALETTE[5])
    axes.set_ylim(0, 1)
    axes.set_title("Poids des fidèles selon la période (" + " + ".join(order[:2]) + ")")
    axes.legend()
    rows = [(s, _pct(h), _pct(r)) for s, h, r in zip(seasons, households, revenue, strict=True)]
    return Drawing(
        "Weight of the loyal segments by season",
        _png(figure),
        "Households in the two best-ranked segments, and their share of revenue.",
        ("season", "share of households", "share of revenue"),
        rows,
    )


def _by_village(frame: pd.DataFrame, value: str, title: str, label: str) -> Drawing | None:
    if frame.empty:
        return None
    season = frame["season"].max()
    last = frame[frame["season"] == season].sort_values(value)
    figure = _figure(7, max(3.0, 0.18 * len(last) + 1))
    axes = figure.add_subplot()
    axes.barh(last["village_id"], last[value], color=PALETTE[1])
    axes.set_xlabel(label)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_title(f"{title}, {season}")
    rows = [(str(r[0]), f"{r[1]:.1f}") for r in last[["village_id", value]].to_numpy()[::-1]]
    return Drawing(
        f"{title} by village",
        _png(figure),
        f"Every village with answers in {season}.",
        ("village_id", value),
        rows,
    )


def village_ratings(frame: pd.DataFrame, contract: type[DataContract]) -> Drawing | None:
    """The average rating of each village in the last season."""
    return _by_village(frame, "average_rating", "Note moyenne des villages", "average rating")


def nps(frame: pd.DataFrame, contract: type[DataContract]) -> Drawing | None:
    """The NPS of each village in the last season."""
    return _by_village(frame, "nps", "NPS des villages", "Net Promoter Score")


def village_occupancy(frame: pd.DataFrame, contract: type[DataContract]) -> Drawing | None:
    """The group's occupancy by month: beds occupied over beds on sale."""
    if frame.empty:
        return None
    month = pd.to_datetime(frame["stay_date"]).dt.to_period("M").dt.to_timestamp()
    monthly = frame.assign(month=month).groupby("month")[["beds_occupied", "beds_available"]].sum()
    rate = monthly["beds_occupied"] / monthly["beds_available"]
    figure = _figure(8, 3.8)
    axes = figure.add_subplot()
    axes.plot(rate.index, rate.to_numpy(), color=PALETTE[1])
    axes.set_ylim(0, 1)
    axes.set_ylabel("occupancy rate")
    axes.set_title("Taux d'occupation du groupe, par mois")
    rows = [(str(d)[:7], _pct(float(v))) for d, v in rate.items()]
    return Drawing(
        "Occupancy by month",
        _png(figure),
        "Beds occupied over beds on sale, every village, by month.",
        ("month", "occupancy_rate"),
        rows,
    )


def prospection_zones(frame: pd.DataFrame, contract: type[DataContract]) -> Drawing | None:
    """Departments by their number of zones predicted high value, in the three classes."""
    if frame.empty:
        return None
    departments = (
        frame.groupby(["department_code", "department_class"])["department_high_value_zones"]
        .max()
        .reset_index()
        .sort_values("department_high_value_zones", ascending=False)
    )
    classes = _segments(contract, "department_class")
    shown = departments.head(40)
    figure = _figure(8, 4.2)
    axes = figure.add_subplot()
    for colour, klass in zip(PALETTE[1::2], classes, strict=False):
        part = shown[shown["department_class"] == klass]
        count = int((departments["department_class"] == klass).sum())
        axes.bar(
            part["department_code"],
            part["department_high_value_zones"],
            color=colour,
            label=f"{klass} ({count} departments)",
        )
    axes.tick_params(axis="x", labelsize=7, rotation=90)
    axes.set_ylabel("zones predicted high value")
    axes.set_title("Zones de prospection par département (the 40 first)")
    axes.legend()
    rows = [(k, str(int((departments["department_class"] == k).sum()))) for k in classes]
    return Drawing(
        "Prospection zones by department",
        _png(figure),
        "Departments by number of IRIS zones predicted as high value, by class.",
        ("department_class", "departments"),
        rows,
    )


CHARTS: Sequence[Chart] = (
    Chart(
        "customer_intelligence.segment_transitions",
        ("season_from", "season_to", "segment_from", "segment_to", "households"),
        segment_transitions,
    ),
    Chart(
        "customer_intelligence.revenue_concentration",
        (
            "season",
            "segment",
            "revenue_rank",
            "cumulative_households_share",
            "cumulative_revenue_share",
        ),
        revenue_concentration,
    ),
    Chart(
        "customer_intelligence.rfm_segments",
        ("season", "segment", "season_amount_eur"),
        loyal_weight,
    ),
    Chart(
        "campaigns.return_rate_animated",
        ("season", "animated", "households", "return_rate"),
        return_rate_animated,
    ),
    Chart("reviews.village_ratings", ("village_id", "season", "average_rating"), village_ratings),
    Chart("reviews.nps_by_village_season", ("village_id", "season", "nps"), nps),
    Chart(
        "resorts.village_occupancy",
        ("stay_date", "beds_occupied", "beds_available"),
        village_occupancy,
    ),
    Chart(
        "territory.prospection_zones",
        ("department_code", "department_class", "department_high_value_zones"),
        prospection_zones,
    ),
)
"""Every picture of the catalog, by product."""
