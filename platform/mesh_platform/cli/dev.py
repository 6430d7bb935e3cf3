"""``mesh dev``: the Dagster UI and daemon with the twelve code locations."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from mesh_platform.cli.output import console, fail
from mesh_platform.settings import get_settings


def _workspace() -> Path:
    here = Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / "workspace.yaml"
        if candidate.exists():
            return candidate
    fail("no workspace.yaml here or above: run mesh dev from the repository", code=2)


def dev(
    port: Annotated[int, typer.Option(help="Port of the Dagster webserver.")] = 3000,
    host: Annotated[str, typer.Option(help="Address the webserver listens on.")] = "127.0.0.1",
) -> None:
    """Start the Dagster webserver and daemon on the local instance (the one mesh build
    records into), with every domain's code location."""
    settings = get_settings()
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch(exist_ok=True)
    workspace = _workspace()
    dagster = shutil.which("dagster", path=str(Path(sys.executable).parent)) or "dagster"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    console().print(f"Dagster UI on http://{host}:{port} (DAGSTER_HOME={home}); Ctrl-C stops it.")
    os.execvpe(
        dagster,
        [dagster, "dev", "-w", str(workspace), "--host", host, "--port", str(port)],
        env,
    )
