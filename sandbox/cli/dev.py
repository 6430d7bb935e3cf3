"""``mesh dev``: the Dagster UI and daemon with the twelve code locations."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from http.server import ThreadingHTTPServer
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

    catalog = CatalogBeside(host, catalog_port) if catalog_port else None
    with instance_storage(settings), ExitStack() as services:
        if stream:
            from sandbox.stream.local import local_stream

            out.print(services.enter_context(local_stream(settings, stream_rate)), highlight=False)
        if catalog is not None:
            catalog.start()
        try:
            serve(options, ready, on_stop=lambda: out.print("Stopping the Dagster services..."))
        except DevServerError as error:
            fail(escape(str(error)))
        finally:
            if catalog is not None:
                catalog.stop()
    out.print("Dagster services stopped.")


class CatalogBeside:
    """The data catalog served beside the Dagster UI: built from the last runs in a thread
    (the UI does not wait for it), then served until ``stop``. A catalog that cannot be
    built or served is told, and the UI runs on without it."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="catalog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        from mesh_platform.catalog import build_catalog
        from mesh_platform.cli.catalog import catalog_server, default_folder

        out = console()
        folder = default_folder()
        try:
            build_catalog(folder)
            server = catalog_server(folder, self.host, self.port)
        except Exception as error:  # the UI runs on without the catalog
            out.print(
                f"[yellow]the data catalog is not served[/]: {escape(str(error))}",
                highlight=False,
            )
            return
        if self._stopped.is_set():
            server.server_close()
            return
        self._server = server
        url = f"http://{self.host}:{server.server_address[1]}/"
        out.print(
            f"[bold green]Data catalog on {url}[/] (from the last runs; "
            "`mesh catalog build` refreshes it)",
            highlight=False,
        )
        server.serve_forever()

    def stop(self) -> None:
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
