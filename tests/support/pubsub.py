"""Pytest plugin: the Pub/Sub emulator, started by the project's own code.

Registered in ``tests/conftest.py`` (``pytest_plugins``). Tests ask for
``local_pubsub`` (one emulator per test module) and get a running
:class:`~sandbox.services.pubsub.LocalPubSub` in a temporary folder of its own, stopped
after the module's tests.

When the emulator cannot start (Debian's ``google-cloud-cli-pubsub-emulator`` missing
and not installable, no Java...) its tests fail with the reason in CI (``CI`` is set)
and are skipped with the reason elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NoReturn

import pytest

from sandbox.services.pubsub import LocalPubSub, PubSubError
from tests.support.unavailable import started, unavailable

WHAT = "the Pub/Sub emulator"


def give_up(error: PubSubError) -> NoReturn:
    """Fail the test with the emulator's reason in CI, skip it elsewhere."""
    unavailable(f"{WHAT} could not start: {error}")


def start_or_give_up(emulator: LocalPubSub) -> LocalPubSub:
    """Start ``emulator``, or give the test up (:func:`give_up`)."""
    return started(emulator, PubSubError, WHAT)


@pytest.fixture(scope="module")
def local_pubsub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPubSub]:
    """A running Pub/Sub emulator, stopped after the module's tests."""
    emulator = LocalPubSub(tmp_path_factory.mktemp("pubsub-emulator"))
    try:
        yield start_or_give_up(emulator)
    finally:
        emulator.stop()
