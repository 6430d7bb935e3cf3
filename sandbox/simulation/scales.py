"""How big the simulated world is: one configuration per scale.

``tiny`` is for tests (a second or two), ``small`` is the main local job (seconds),
``seed`` reaches at least the row counts of the CRM lab's own tables
(:data:`SEED_VOLUMES`) and ``large`` is ten times ``seed``, for benchmarks.

Every scale covers the same calendar (five complete seasons, November to October,
plus the bookings already taken for the next one) and the same ~70 villages in 26
countries; only the volumes change.
"""

from __future__ import annotations

import datetime as dt
import math

from pydantic import BaseModel, ConfigDict, Field

from contracts.calendar import SEASONS

SEED_VOLUMES: dict[str, int] = {
    "contacts": 272_012,
    "sale_lines": 752_953,
    "products": 40_494,
    "campaign_sends": 7_060_577,
    "campaign_opens": 2_437_522,
    "campaign_clicks": 311_029,
}
"""Row counts of the seed's tables (contacts, sales, products, campaign sends, opens, clicks)."""


class Scale(BaseModel):
    """Volumes of one simulated world.

    Row counts are exact for ``contacts``, ``products`` and ``campaign_sends``, a
    floor for ``sale_lines`` and an expectation for the engagement logs
    (``expected_opens``, ``expected_clicks``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Name of the scale.")
    contacts: int = Field(gt=0, description="Rows of the CRM contact extract (exact).")
    sale_lines: int = Field(gt=0, description="Rows of the sale lines extract (a floor).")
    products: int = Field(gt=0, description="Rows of the product catalogue (exact).")
    campaign_sends: int = Field(gt=0, description="Campaign messages sent (exact).")
    campaigns: int = Field(gt=0, description="Campaign masters over the calendar.")
    open_rate: float = Field(0.335, gt=0, lt=1, description="Share of sends opened.")
    opens_per_opener: float = Field(1.06, ge=1, description="Open events per opened send.")
    click_rate: float = Field(0.043, gt=0, lt=1, description="Share of sends clicked.")
    clicks_per_clicker: float = Field(1.04, ge=1, description="Click events per clicked send.")
    web_sessions: int = Field(gt=0, description="Web sessions, approximately.")
    iris_zones: int = Field(gt=0, le=50_000, description="IRIS zones of the territory referential.")
    first_season: int = Field(2019, description='Year the first season starts ("2019-20").')
    seasons: int = Field(5, ge=2, description="Complete seasons simulated.")
    write_chunk_rows: int = Field(1_000_000, gt=0, description="Rows per batch written.")

    @property
    def expected_opens(self) -> int:
        """Open events expected in ``landing_campaigns.opens``."""
        return math.floor(self.campaign_sends * self.open_rate * self.opens_per_opener)

    @property
    def expected_clicks(self) -> int:
        """Click events expected in ``landing_campaigns.clicks``."""
        return math.floor(self.campaign_sends * self.click_rate * self.clicks_per_clicker)

    @property
    def season_labels(self) -> tuple[str, ...]:
        """The complete seasons, e.g. ``("2019-20", ..., "2023-24")``."""
        first = self.first_season
        return tuple(SEASONS.label(y) for y in range(first, first + self.seasons))

    @property
    def start(self) -> dt.date:
        """First day of the first season (1 November)."""
        return SEASONS.bounds(SEASONS.label(self.first_season))[0]

    @property
    def as_of(self) -> dt.date:
        """Extraction day: the last day of the last complete season (31 October)."""
        return SEASONS.bounds(SEASONS.label(self.first_season + self.seasons - 1))[1]


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        name="tiny",
        contacts=1_500,
        sale_lines=4_000,
        products=7_500,
        campaign_sends=36_000,
        campaigns=120,
        web_sessions=5_000,
        iris_zones=1_200,
    ),
    "small": Scale(
        name="small",
        contacts=27_500,
        sale_lines=76_000,
        products=12_000,
        campaign_sends=710_000,
        campaigns=300,
        web_sessions=100_000,
        iris_zones=8_000,
    ),
    "seed": Scale(
        name="seed",
        contacts=SEED_VOLUMES["contacts"],
        sale_lines=SEED_VOLUMES["sale_lines"],
        products=SEED_VOLUMES["products"],
        campaign_sends=SEED_VOLUMES["campaign_sends"],
        campaigns=300,
        web_sessions=1_000_000,
        iris_zones=48_600,
    ),
    "large": Scale(
        name="large",
        contacts=10 * SEED_VOLUMES["contacts"],
        sale_lines=10 * SEED_VOLUMES["sale_lines"],
        products=10 * SEED_VOLUMES["products"],
        campaign_sends=10 * SEED_VOLUMES["campaign_sends"],
        campaigns=600,
        web_sessions=10_000_000,
        iris_zones=48_600,
        write_chunk_rows=2_000_000,
    ),
}
"""The named scales."""


def get_scale(scale: Scale | str) -> Scale:
    """The scale named ``scale`` (or ``scale`` itself).

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    if isinstance(scale, Scale):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        known = ", ".join(SCALES)
        raise ValueError(f"unknown simulation scale {scale!r}; known scales: {known}") from None
