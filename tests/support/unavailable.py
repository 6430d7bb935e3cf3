"""What a test does when a service it needs is not there: fail in CI, skip elsewhere.

A test skipped in CI would hide a missing install step, so with ``CI`` set the test
fails with the reason; on a developer's machine it is skipped with the reason, which is
also printed (``tests/conftest.py`` lists every skip at the end of the run).
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn, TypeVar

import pytest

from sandbox.processes import LocalService

Service = TypeVar("Service", bound=LocalService)


def unavailable(reason: str) -> NoReturn:
    """Fail the test with ``reason`` in CI (``CI`` is set), skip it elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    print(reason, file=sys.stderr)
    pytest.skip(reason)


def started(service: Service, failure: type[Exception], what: str) -> Service:
    """Start ``service``, or give the test up (:func:`unavailable`) saying why ``what``
    could not start.

    Args:
        service: the service to start.
        failure: the service's error when it cannot start.
        what: the service, as the reason names it (``the Pub/Sub emulator``).
    """
    try:
        return service.start()
    except failure as error:
        unavailable(f"{what} could not start: {error}")
