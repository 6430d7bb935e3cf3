"""The build summary shows the rows each product left out, per reason."""

from __future__ import annotations

import dagster as dg

from sandbox.build import BuildReport, ProductOutcome, _left_out
from sandbox.cli.build import left_out_lines


def test_left_out_counts_come_from_the_materialisation_metadata() -> None:
    outcome = ProductOutcome(key="reviews.village_ratings", domain="reviews", success=True)
    _left_out(
        outcome,
        {
            "left_out": dg.MetadataValue.json(
                [
                    {"stage": "surveys", "reason": "invalid_value:rating", "rows": 50},
                    {"stage": "ratings", "reason": "invalid_value:rating", "rows": 2},
                    {"stage": "ratings", "reason": "duplicate", "rows": 3},
                ]
            )
        },
    )
    assert outcome.left_out == 55
    assert outcome.left_out_by_reason == {"invalid_value:rating": 52, "duplicate": 3}


def test_a_line_per_product_that_left_rows_out() -> None:
    report = BuildReport(scale="tiny")
    report.outcomes = [
        ProductOutcome(key="resorts.villages", domain="resorts", success=True),
        ProductOutcome(
            key="reviews.village_ratings",
            domain="reviews",
            success=True,
            left_out=55,
            left_out_by_reason={"invalid_value:rating": 52, "duplicate": 3},
        ),
    ]
    assert left_out_lines(report) == [
        "reviews.village_ratings: 55 row(s) left out (duplicate 3, invalid_value:rating 52); "
        "see mesh rejects reviews.village_ratings"
    ]
