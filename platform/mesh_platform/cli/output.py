"""Where the ``mesh`` command writes: rich consoles for stdout and stderr, and failing."""

from __future__ import annotations

import os
from typing import NoReturn

import typer
from rich.console import Console

PIPED_WIDTH = 160
"""Width of the output when it is not a terminal (a pipe, a file) and COLUMNS is not set."""


def console() -> Console:
    """A console on the current standard output (created per use, so it follows redirection).

    Output to a terminal takes the terminal's width; other output is :data:`PIPED_WIDTH`
    wide (unless ``COLUMNS`` says otherwise), so that tables are not squeezed to 80.
    """
    out = Console()
    if not out.is_terminal and "COLUMNS" not in os.environ:
        return Console(width=PIPED_WIDTH)
    return out


def err_console() -> Console:
    """A console on the current standard error."""
    return Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` to stderr and leave with exit code ``code``.

    Exit codes: 1 when the command ran and failed, 2 when it was called wrongly
    (an unknown product, a bad option).
    """
    err_console().print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
