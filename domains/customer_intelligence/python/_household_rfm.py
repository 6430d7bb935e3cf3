"""Each customer's household RFM measures, season by season, as campaign appetence
reads them.

Not a product (see the package): the machinery of ``campaign_appetence``. The measures
are held once per household and read through each customer's household
(:class:`HouseholdRFM`): at the large world, 1.8 million customers' copies of 631,000
households' measures held 325 MiB, the households' own 116 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from domains.customer_intelligence.python._models import label_year

RFM_MEASURES = ("segment_rank", "frequency_seasons", "recency_seasons", "amount_log")
"""The measures of a household's season, in the order :meth:`HouseholdRFM.at` gives them."""


@dataclass(frozen=True)
class HouseholdRFM:
    """The RFM measures of each household's seasons, and each customer's household.

    ``measures[h, y]`` holds household h's measures (:data:`RFM_MEASURES`) in season
    slot y; its last row is zeros, the row of every customer without a household or
    whose household has no segment. ``household[c]`` is customer c's row."""

    measures: np.ndarray  # (households + 1, width, 4)
    household: np.ndarray  # per customer code (int32)

    def at(self, customer: np.ndarray, slot: np.ndarray | int) -> np.ndarray:
        """The measures of the given customers' households in the given season slots,
        one row each (zeros when not segmented)."""
        return self.measures[self.household[customer], slot]


def rfm_by_customer(
    segments: pd.DataFrame,
    household_of: pd.Series,
    customers: np.ndarray,
    first_year: int,
    width: int,
) -> HouseholdRFM:
    """Rank, F, R and log amount of each customer's household in each season slot y,
    season ``first_year - 1 + y`` (zeros when not segmented, and for the seasons outside
    the ``width`` slots).

    Filled per household, then read by each customer's household number: no
    (customer, season) join of text ids is built (at the large world, millions of
    rows), and no customer holds a copy of its household's measures."""
    seg = segments.assign(slot=label_year(segments["season"]) - first_year + 1)
    seg = seg[(seg["slot"] >= 0) & (seg["slot"] < width)]
    code, households = pd.factorize(seg["household_id"])
    measures = np.zeros((households.size + 1, width, len(RFM_MEASURES)))
    measures[code, seg["slot"].to_numpy()] = np.column_stack(
        [
            seg["segment_rank"].to_numpy(float),
            seg["frequency_seasons"].to_numpy(float),
            seg["recency_seasons"].to_numpy(float),
            np.log1p(seg["amount_eur"].to_numpy(float).clip(min=0)),
        ]
    )
    household = households.get_indexer(pd.Index(pd.Series(customers).map(household_of)))
    household[household < 0] = households.size  # the zeros row
    return HouseholdRFM(measures=measures, household=household.astype(np.int32))
