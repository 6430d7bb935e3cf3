"""Dagster APIs the platform uses knowingly although Dagster marks them beta or superseded.

Code references (beta), single-run backfills (beta) and last-update freshness checks
(superseded by freshness policies, which are not asset checks) are chosen on purpose;
their notices would otherwise be printed by every code location at every load.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg


@contextmanager
def chosen_dagster_apis() -> Iterator[None]:
    """Silence Dagster's beta, preview and supersession notices inside the block only."""
    with warnings.catch_warnings():
        for category in (dg.BetaWarning, dg.PreviewWarning, dg.SupersessionWarning):
            warnings.simplefilter("ignore", category)
        yield
