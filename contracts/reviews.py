"""Contracts of the reviews domain (team Guest Experience).

After each stay its holder receives a satisfaction survey: an overall rating and
ratings of food, rooms, activities, staff and kids club from 1 to 5, and the
likelihood to recommend the village from 0 to 10. The domain publishes the
village ratings and the Net Promoter Score of every village and season.
"""

from __future__ import annotations

from contracts.common import (
    DAILY,
    GUEST_EXPERIENCE,
    Count,
    Date,
    Rate,
    Season,
    VillageId,
)
from mesh_platform.contract import AccessLevel, DataContract, Tolerance, column

MIN_REVIEWS_FOR_RANK = 10
"""A village is ranked in a season only with at least this many reviews."""


class SurveyResponses(
    DataContract,
    domain="reviews",
    product="survey_responses",
    version="1.0.0",
    owner=GUEST_EXPERIENCE,
    grain=("response_key",),
    access=AccessLevel.INTERNAL,
    freshness=DAILY,
    tags=("reviews", "satisfaction"),
    tier="silver",
    # Surveys submitted twice (0.5% declared by the simulation, 0.9% measured on a tiny
    # world's few hundred surveys): 2% allowed. A survey naming no village or arrival
    # cannot be placed (none simulated): 1% allowed.
    tolerance=Tolerance(left_out={"duplicate": 0.02, "missing_value": 0.01}),
):
    """One post-stay survey response per stay, its answers cleaned.

    Grain: ``response_key``. Internal to the reviews domain: the single place where
    the survey extract is de-duplicated and its answers cleaned, read by
    ``reviews.village_ratings`` and ``reviews.nps_by_village_season``. Other domains
    read those products, never this one.

    A survey submitted twice keeps its first submission (earliest ``answered_at``,
    then lowest ``survey_id``) per stay, the stay being the survey's booking (or the
    survey itself when it names none). Responses without a village or an arrival date
    are left out. A rating outside 1..5 is no rating (null); a likelihood to recommend
    outside 0..10 (the survey tool's 99 is "no answer") is no answer (null). The
    season is the one of the stay's arrival.
    """

    response_key: str = column(
        "The stay answered for: the survey's booking_id, or its survey_id when it names "
        "no booking.",
        min_length=1,
        examples=["BK000123456"],
    )
    survey_id: int = column("The survey submission kept (the survey tool's answer id).")
    village_id: VillageId = column(
        "The village of the stay.", references="resorts.villages.village_id"
    )
    stay_arrival: Date = column("Arrival date of the stay.")
    season: Season = column("Season of the stay's arrival.")
    overall_rating: int | None = column(
        "Overall satisfaction, 1 to 5; null when not rated (or rated outside 1..5).",
        default=None,
        ge=1,
        le=5,
    )
    food_rating: int | None = column(
        "Rating of food and bars, 1 to 5; null when not rated (or rated outside 1..5).",
        default=None,
        ge=1,
        le=5,
    )
    rooms_rating: int | None = column(
        "Rating of the rooms, 1 to 5; null when not rated (or rated outside 1..5).",
        default=None,
        ge=1,
        le=5,
    )
    activities_rating: int | None = column(
        "Rating of sports and activities, 1 to 5; null when not rated (or rated outside 1..5).",
        default=None,
        ge=1,
        le=5,
    )
    staff_rating: int | None = column(
        "Rating of the staff's welcome and service, 1 to 5; null when not rated (or rated "
        "outside 1..5).",
        default=None,
        ge=1,
        le=5,
    )
    kids_club_rating: int | None = column(
        "Rating of the kids club, 1 to 5; null when not rated (or rated outside 1..5).",
        default=None,
        ge=1,
        le=5,
    )
    recommend_score: int | None = column(
        "Likelihood to recommend the village, 0 to 10; null for no answer.",
        default=None,
        ge=0,
        le=10,
    )


class VillageRatings(
    DataContract,
    domain="reviews",
    product="village_ratings",
    version="1.0.0",
    owner=GUEST_EXPERIENCE,
    grain=("village_id", "season"),
    freshness=DAILY,
    tags=("reviews", "satisfaction", "kpi"),
    # Every simulated survey gives an overall rating in 1..5. A rating outside the scale
    # is a broken survey export: 1% allowed, beyond that the ratings would be biased
    # and the publish is blocked; an unanswered rating, 2%. The village-season history
    # only grows: at most 5% of its rows may go.
    tolerance=Tolerance(left_out={"invalid_value": 0.01, "missing_value": 0.02}, volume_drop=0.05),
):
    """Guest ratings of each village and season, overall and by theme.

    Grain: (``village_id``, ``season``): every village and season with at least one
    review. Source: the post-stay survey responses (one response per stay at most,
    answered by the booking's holder), the season being the one of the stay's
    arrival (November to October). Ratings are on a 1-5 scale. A theme's rating is
    the mean of the responses that rated it (null when none did: e.g. kids club in
    a village without children). ``rank_in_season`` ranks the villages of the season
    by ``average_rating`` (1 = best, ties share the better rank) among those with
    at least 10 reviews; it is null below 10 reviews.
    """

    village_id: VillageId = column("The village.", references="resorts.villages.village_id")
    season: Season = column("Season of the stays reviewed.")
    reviews: int = column("Survey responses with an overall rating.", ge=1)
    average_rating: float = column("Mean overall rating, 1 to 5.", ge=1, le=5)
    five_star_share: Rate = column("Share of responses rating the stay 5 out of 5.")
    food_rating: float | None = column("Mean rating of food and bars.", default=None, ge=1, le=5)
    rooms_rating: float | None = column("Mean rating of the rooms.", default=None, ge=1, le=5)
    activities_rating: float | None = column(
        "Mean rating of sports and activities (ski school in winter).", default=None, ge=1, le=5
    )
    staff_rating: float | None = column(
        "Mean rating of the staff's welcome and service.", default=None, ge=1, le=5
    )
    kids_club_rating: float | None = column(
        "Mean rating of the kids club, by families who used it.", default=None, ge=1, le=5
    )
    rank_in_season: int | None = column(
        "Rank of the village in the season by average rating; null below 10 reviews.",
        default=None,
        ge=1,
    )


class NpsByVillageSeason(
    DataContract,
    domain="reviews",
    product="nps_by_village_season",
    version="1.0.0",
    owner=GUEST_EXPERIENCE,
    grain=("village_id", "season"),
    freshness=DAILY,
    tags=("reviews", "nps", "kpi"),
    # The survey tool's "no answer" (99) is 1% of the simulated scores (1.7% measured on
    # a tiny world): 5% of unanswered scores allowed. A score outside 0..10 is a broken
    # export: 1% allowed.
    tolerance=Tolerance(left_out={"missing_value": 0.05, "invalid_value": 0.01}),
):
    """Net Promoter Score of each village and season.

    Grain: (``village_id``, ``season``): every village and season with at least one
    answer to the recommendation question. Source: the post-stay survey responses
    (season of the stay's arrival). On the 0-10 likelihood to recommend, promoters
    answer 9 or 10, passives 7 or 8, detractors 0 to 6; ``respondents`` = promoters
    + passives + detractors and ``nps`` = 100 x (promoters - detractors) /
    respondents, between -100 and 100.
    """

    village_id: VillageId = column("The village.", references="resorts.villages.village_id")
    season: Season = column("Season of the stays.")
    respondents: int = column("Responses to the recommendation question.", ge=1)
    promoters: Count = column("Respondents answering 9 or 10.")
    passives: Count = column("Respondents answering 7 or 8.")
    detractors: Count = column("Respondents answering 0 to 6.")
    promoter_share: Rate = column("promoters / respondents.")
    detractor_share: Rate = column("detractors / respondents.")
    nps: float = column(
        "Net Promoter Score: 100 x (promoters - detractors) / respondents.", ge=-100, le=100
    )
    average_recommend_score: float = column("Mean likelihood to recommend, 0 to 10.", ge=0, le=10)
