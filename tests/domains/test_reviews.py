"""The reviews domain's products on hand-made survey answers with worked-out
expectations: NPS arithmetic, duplicates, "no answer", seasons and the ranking.

The published products run on the de-duplicated responses (reviews.survey_responses),
built from the same answers first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from tests.support.products import landing_frame, left_out_rows, run_product

D = dt.date
T = dt.datetime

_counter = iter(range(1, 10_000))


def answer(village: str, arrival: dt.date, **scores: Any) -> dict[str, Any]:
    """One survey answer (its own booking unless ``booking_id`` is given)."""
    n = next(_counter)
    row = {
        "survey_id": 5_000_000 + n,
        "booking_id": f"BK{n:09d}",
        "village_code": village,
        "stay_arrival": arrival,
        "stay_departure": arrival + dt.timedelta(days=7),
        "answered_at": T(arrival.year, arrival.month, arrival.day, 12, 0) + dt.timedelta(days=8),
    }
    row.update(scores)
    return row


def _responses(rows: list[dict[str, Any]]) -> pd.DataFrame:
    surveys = landing_frame("landing_reviews.surveys", rows)
    return run_product("reviews.survey_responses", landing={"landing_reviews.surveys": surveys})


def _built(key: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``key`` built on the survey responses of ``rows``."""
    return run_product(key, products={"reviews.survey_responses": _responses(rows)})


def test_survey_responses_keep_one_answer_per_stay_cleaned() -> None:
    first = answer("vth ", D(2023, 10, 31), overall_rating=5, food_rating=9, recommend_score=99)
    again = {
        **first,
        "survey_id": first["survey_id"] + 1,
        "answered_at": first["answered_at"] + dt.timedelta(minutes=3),
        "overall_rating": 1,
    }
    no_booking = answer("OPI", D(2023, 11, 1), booking_id=None, recommend_score=0)
    no_village = answer("VTH", D(2024, 1, 5), village_code=None, overall_rating=4)
    no_arrival = answer("VTH", D(2024, 1, 5), stay_arrival=None, overall_rating=4)
    rows = [again, first, no_booking, no_village, no_arrival]

    out = _responses(rows).set_index("survey_id")
    assert sorted(out.index) == [first["survey_id"], no_booking["survey_id"]]
    kept = out.loc[first["survey_id"]]
    assert (kept["response_key"], kept["village_id"], kept["season"]) == (
        first["booking_id"],
        "VTH",
        "2022-23",
    )
    # the first submission's answers; 9 is no rating, 99 no answer
    assert kept["overall_rating"] == 5
    assert pd.isna(kept["food_rating"])
    assert pd.isna(kept["recommend_score"])
    alone = out.loc[no_booking["survey_id"]]
    assert (alone["response_key"], alone["season"]) == (str(no_booking["survey_id"]), "2023-24")
    assert alone["recommend_score"] == 0
    # the rows left out, each with its reason and survey id
    assert left_out_rows("reviews.survey_responses") == [
        ("surveys", "duplicate", str(again["survey_id"])),
        ("surveys", "missing_value:stay_arrival", str(no_arrival["survey_id"])),
        ("surveys", "missing_value:village_code", str(no_village["survey_id"])),
    ]


def test_nps_counts_promoters_passives_and_detractors() -> None:
    winter = D(2024, 1, 5)  # season 2023-24
    rows = [answer("VTH", winter, recommend_score=s) for s in (10, 9, 8, 7, 6, 0)]
    rows.append(answer("VTH", winter, recommend_score=99))  # "no answer"
    # the second submission of a survey (3 minutes later) does not count
    first = rows[1]
    rows.append(
        {
            **first,
            "survey_id": first["survey_id"] + 1,
            "answered_at": first["answered_at"] + dt.timedelta(minutes=3),
            "recommend_score": 2,
        }
    )
    summer = D(2023, 8, 1)  # season 2022-23
    rows += [answer("cun", summer, recommend_score=s) for s in (10, 10, 9, 3)]
    # the last day of a season and the first of the next
    rows.append(answer("VTH", D(2023, 10, 31), recommend_score=10))
    rows.append(answer("OPI", D(2023, 11, 1), recommend_score=5))

    out = _built("reviews.nps_by_village_season", rows)
    nps = {(r["village_id"], r["season"]): r for r in out.to_dict("records")}
    assert set(nps) == {
        ("VTH", "2023-24"),
        ("CUN", "2022-23"),
        ("VTH", "2022-23"),
        ("OPI", "2023-24"),
    }

    vth = nps[("VTH", "2023-24")]
    assert (vth["respondents"], vth["promoters"], vth["passives"], vth["detractors"]) == (
        6,
        2,
        2,
        2,
    )
    assert vth["nps"] == pytest.approx(0.0)
    assert vth["promoter_share"] == pytest.approx(1 / 3)
    assert vth["detractor_share"] == pytest.approx(1 / 3)
    assert vth["average_recommend_score"] == pytest.approx(40 / 6)

    cun = nps[("CUN", "2022-23")]
    assert (cun["respondents"], cun["promoters"], cun["passives"], cun["detractors"]) == (
        4,
        3,
        0,
        1,
    )
    assert cun["nps"] == pytest.approx(50.0)
    assert cun["average_recommend_score"] == pytest.approx(8.0)
    assert nps[("VTH", "2022-23")]["nps"] == pytest.approx(100.0)
    assert nps[("OPI", "2023-24")]["nps"] == pytest.approx(-100.0)


def test_ratings_average_the_themes_and_rank_villages_with_ten_reviews() -> None:
    season = D(2024, 2, 3)
    rows: list[dict[str, Any]] = []
    # VTH and CUN: 10 reviews averaging 4.5 each (a tie); OPI: 12 reviews averaging 4.0
    for village in ("VTH", "CUN"):
        for overall in [5] * 5 + [4] * 5:
            rows.append(
                answer(
                    village,
                    season,
                    overall_rating=overall,
                    food_rating=4,
                    rooms_rating=3,
                    activities_rating=5,
                    staff_rating=5,
                    kids_club_rating=None,
                )
            )
    rows[0]["kids_club_rating"] = 2
    rows[1]["kids_club_rating"] = 5
    for overall in [5] * 3 + [4] * 6 + [3] * 3:
        rows.append(answer("OPI", season, overall_rating=overall, food_rating=9))  # 9: no rating
    # ARC: three reviews only, all five stars; one answer without an overall rating
    rows += [answer("ARC", season, overall_rating=5, food_rating=5) for _ in range(3)]
    rows.append(answer("ARC", season, overall_rating=None, food_rating=1))

    out = _built("reviews.village_ratings", rows)
    ratings = {r["village_id"]: r for r in out.to_dict("records")}
    assert set(out["season"]) == {"2023-24"}

    vth = ratings["VTH"]
    assert (vth["reviews"], vth["average_rating"], vth["five_star_share"]) == (10, 4.5, 0.5)
    assert (vth["food_rating"], vth["rooms_rating"], vth["staff_rating"]) == (4.0, 3.0, 5.0)
    # the kids club: the mean of the two families who rated it
    assert vth["kids_club_rating"] == pytest.approx(3.5)
    assert pd.isna(ratings["CUN"]["kids_club_rating"])
    # ties share the better rank; OPI comes third
    assert (vth["rank_in_season"], ratings["CUN"]["rank_in_season"]) == (1, 1)
    opi = ratings["OPI"]
    assert (opi["reviews"], opi["average_rating"], opi["rank_in_season"]) == (12, 4.0, 3)
    assert opi["five_star_share"] == pytest.approx(0.25)
    assert pd.isna(opi["food_rating"])
    # below ten reviews: no rank; the answer without an overall rating is not a review
    arc = ratings["ARC"]
    assert (arc["reviews"], arc["average_rating"]) == (3, 5.0)
    assert pd.isna(arc["rank_in_season"])
    assert arc["food_rating"] == pytest.approx(5.0)
