"""``mesh dev``: the Dagster UI and daemon with the twelve code locations."""

from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mesh_platform.cli.output import console, fail
from sandbox.cli.storage import StorageOption, chosen_settings, instance_storage


def _workspace() -> Path | None:
    """The declared workspace file here or above, if any."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / "workspace.yaml"
        if candidate.exists():
            return candidate
    return None


def dev(
    port: Annotated[int, typer.Option(help="Port of the Dagster webserver.")] = 3000,
    host: Annotated[str, typer.Option(help="Address the webserver listens on.")] = "127.0.0.1",
    daemon: Annotated[
        bool, typer.Option(help="Run the Dagster daemon (sensors, automation conditions).")
    ] = True,
    preload: Annotated[
        bool,
        typer.Option(
            help="Import the platform once and fork the code servers from it (Linux); "
            "--no-preload starts each as its own `dagster api grpc` process."
        ),
    ] = True,
    *,
    postgres: StorageOption = None,
    catalog_port: Annotated[
        int,
        typer.Option(
            min=0,
            max=65535,
            help="Port of the data catalog, built from the last runs and served beside the "
            "UI (0: do not serve it).",
        ),
    ] = 8000,
    stream: Annotated[
        bool,
        typer.Option(
            help="Start the booking stream: the Pub/Sub emulator and a publisher of the "
            "built world's events (--stream-rate per second); the bookings sensor "
            "appends them to bookings.booking_events."
        ),
    ] = False,
    stream_rate: Annotated[float, typer.Option(min=0.1, help="Booking events per second.")] = 5.0,
    directory: Annotated[
        bool, typer.Option(help="Start the local directory (OpenLDAP) that mesh query binds to.")
    ] = True,
) -> None:
    """Start the Dagster webserver and daemon on the local instance (the one mesh build
    records into), with every domain's code location, and the data catalog beside them;
    Ctrl-C stops them all."""
    from sandbox.devserver import DevOptions, DevServerError, Ready, port_in_use, serve

    settings = chosen_settings(postgres)
    options = DevOptions(
        host=host,
        port=port,
        daemon=daemon,
        dagster_home=settings.dagster_home,
        state_dir=settings.state_dir,
        workspace=_workspace(),
        preload=preload,
    )
    if port_in_use(host, port):
        fail(f"port {port} on {host} is in use: pass another one with --port", code=2)
    out = console()
    out.print(
        f"[bold]Trident[/] starting the code locations of {options.workspace or 'the mesh'} "
        f"(logs in {options.run_dir / 'logs'}, DAGSTER_HOME={options.dagster_home})"
    )

    def ready(times: Ready) -> None:
        slowest = max(times.locations, key=lambda name: times.locations[name])
        out.print(
            f"[bold green]Dagster UI ready on {options.url}[/] "
            f"({len(times.locations)} code locations ready in {times.code_servers:.1f} s, "
            f"slowest {slowest} {times.locations[slowest]:.1f} s; UI in {times.ui:.1f} s"
            f"{'; daemon running' if daemon else ''}). Ctrl-C stops it.",
            highlight=False,
        )
        if catalog is not None:
            catalog.start()

    catalog = CatalogBeside(host, catalog_port) if catalog_port else None
    with instance_storage(settings), ExitStack() as services:
        if directory:
            from sandbox.services.ldap.server import local_directory

            out.print(services.enter_context(local_directory(settings.state_dir)))
        if stream:
            from sandbox.stream.local import local_stream

            out.print(services.enter_context(local_stream(settings, stream_rate)), highlight=False)
        try:
            serve(options, ready, on_stop=lambda: out.print("Stopping the Dagster services..."))
        except DevServerError as error:
            fail(escape(str(error)))
        finally:
            if catalog is not None:
                catalog.stop()
    out.print("Dagster services stopped.")


class CatalogBeside:
    """The data catalog served beside the Dagster UI by ``mesh catalog serve`` in a process
    of its own, started once the UI is ready (the UI does not wait for it, and no thread of
    this process runs while the code servers are forked from it). It builds the catalog
    from the last runs, then serves it until ``stop``; a catalog that cannot be built or
    served says why in the output, and the UI runs on without it."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> None:
        command = [
            sys.executable,
            "-c",
            "from mesh_platform.cli import app; app()",
            "catalog",
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        console().print(
            f"[bold green]Data catalog on {self.url}[/] (built from the last runs in a few "
            "seconds; `mesh catalog build` refreshes it)",
            highlight=False,
        )

    def stop(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
