"""Pytest plugin: headless Chromium (Debian's package), driven by Playwright, and the
catalog site built from the tiny mesh and served over HTTP.

Registered in ``tests/conftest.py`` (``pytest_plugins``). Chromium comes from Debian's
packages (``deploy/local/install-chromium``, run when ``/usr/bin/chromium`` is missing);
Playwright only drives it (its own browser download is not used). When the browser
cannot start, its tests fail with the reason in CI (``CI`` is set) and are skipped with
the reason elsewhere.

Screenshots of the pages the tests open go to ``artifacts/catalog/`` at the repository's
root (git-ignored), or to ``MESH_TEST_ARTIFACTS`` when set.
"""

from __future__ import annotations

import functools
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from mesh_platform.settings import get_settings
from tests.support.tiny_mesh import TinyMesh
from tests.support.unavailable import unavailable

if TYPE_CHECKING:
    from mesh_platform.catalog.site import SiteReport

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
INSTALL = REPO_ROOT / "deploy" / "local" / "install-chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def _unavailable(reason: str) -> NoReturn:
    unavailable(f"headless Chromium is not available: {reason}")


def artifacts_dir() -> Path:
    """Where the browser tests write their screenshots."""
    folder = Path(os.environ.get("MESH_TEST_ARTIFACTS", REPO_ROOT / "artifacts")) / "catalog"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium context (fresh profile) for the whole session."""
    if not CHROMIUM.exists():
        install = subprocess.run(
            [str(INSTALL)], capture_output=True, text=True, timeout=900, check=False
        )
        if install.returncode != 0 or not CHROMIUM.exists():
            _unavailable(f"{INSTALL.name} failed: {install.stderr.strip()[-800:]}")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        _unavailable(f"Playwright is not installed ({error})")
    driver = sync_playwright().start()
    try:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": 1400, "height": 1000},
        )
    except Error as error:
        driver.stop()
        _unavailable(str(error).splitlines()[0])
    try:
        yield context
    finally:
        context.close()
        driver.stop()


@dataclass(frozen=True)
class ServedCatalog:
    """A catalog site on disk and the URL it is served at."""

    folder: Path
    url: str
    report: SiteReport


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free local port; yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def build_for(state: Path, out: Path) -> SiteReport:
    """Build the catalog of the mesh whose state folder is ``state`` into ``out``."""
    from mesh_platform.catalog import build_catalog

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MESH_STATE_DIR", str(state))
        get_settings.cache_clear()
        try:
            return build_catalog(out)
        finally:
            get_settings.cache_clear()


@pytest.fixture(scope="session")
def tiny_catalog(
    tiny_mesh: TinyMesh, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedCatalog]:
    """The catalog of the tiny mesh, built once per session and served over HTTP."""
    folder = tmp_path_factory.mktemp("catalog") / "site"
    report = build_for(tiny_mesh.state, folder)
    with served(folder) as url:
        yield ServedCatalog(folder, url, report)
