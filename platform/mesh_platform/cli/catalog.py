"""``mesh catalog``: the data catalog site, built from the contracts, the lineage and the
last runs, and served locally."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any

import typer

from mesh_platform.cli.output import console, fail
from mesh_platform.settings import get_settings

app = typer.Typer(
    help="The data catalog: a static site of every product, its lineage and its last run.",
    no_args_is_help=True,
)

OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="The folder to write (default: catalog/ in the state folder)."),
]


def _out(out: Path | None) -> Path:
    return out if out is not None else default_folder()


def default_folder() -> Path:
    """Where the catalog is written by default: ``catalog/`` in the state folder."""
    return get_settings().state_dir / "catalog"


def catalog_server(folder: Path, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server of the catalog in ``folder`` (not yet serving).

    Raises:
        OSError: the address cannot be listened on.
    """
    handler = functools.partial(_QuietHandler, directory=str(folder))
    return ThreadingHTTPServer((host, port), handler)


@app.command("build")
def build(out: OutOption = None) -> None:
    """Write the catalog: a page per product and per domain, the mesh's overview, the
    search index, the pictures and the ODCS and JSON Schema documents (static files any
    web server can host)."""
    from mesh_platform.catalog import build_catalog

    folder = _out(out)
    report = build_catalog(folder)
    console().print(
        f"catalog of {report.products} products in {report.domains} domains written to "
        f"{folder} ({len(report.pictures)} pictures, last runs of {report.runs} products); "
        f"open {folder / 'index.html'} or run `mesh catalog serve`",
        highlight=False,
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="The port (0: any free one).")] = 8000,
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    out: OutOption = None,
    rebuild: Annotated[
        bool, typer.Option(help="Build the catalog first (--no-rebuild: serve what is there).")
    ] = True,
) -> None:
    """Serve the catalog on http://HOST:PORT until Ctrl-C, building it first."""
    folder = _out(out)
    if rebuild:
        build(folder)
    elif not (folder / "index.html").is_file():
        fail(f"no catalog in {folder}: run `mesh catalog build` first", code=1)
    try:
        server = catalog_server(folder, host, port)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error}")
    url = f"http://{host}:{server.server_address[1]}/"
    console().print(f"catalog served on {url} (Ctrl-C stops)", highlight=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
