"""How the ``mesh`` executable ends (:func:`mesh_platform.cli.main`): with its command's
exit code and everything written, without the interpreter's teardown."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from mesh_platform.cli import YOUNG_GENERATION
from mesh_platform.contract import all_contracts


def _mesh(tmp_path: Path, prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``mesh ARGS`` through ``main`` in a fresh interpreter, after ``prelude``."""
    script = textwrap.dedent(prelude) + textwrap.dedent(
        f"""
        import sys
        sys.argv = ["mesh", *{list(args)!r}]
        from mesh_platform.cli import main
        main()
        """
    )
    env = {**os.environ, "MESH_STATE_DIR": str(tmp_path / "state")}
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_command_ends_with_its_output_and_its_exit_handlers(tmp_path: Path) -> None:
    marker = tmp_path / "handler-ran"
    prelude = f"""
        import atexit, gc, pathlib
        atexit.register(
            lambda: pathlib.Path({str(marker)!r}).write_text(str(gc.get_threshold()[0]))
        )
        """
    done = _mesh(tmp_path, prelude, "contracts", "list")
    assert done.returncode == 0, done.stderr
    products = [key.split(".", 1)[1] for key in all_contracts()]
    # every product's line is there: the buffered output was flushed before the end
    assert [p for p in products if p not in done.stdout] == []
    # the handler ran, in a process whose collector ran in batches
    assert marker.read_text() == str(YOUNG_GENERATION)


def test_a_failing_command_keeps_its_exit_code(tmp_path: Path) -> None:
    done = _mesh(tmp_path, "", "no-such-command")
    assert done.returncode == 2
    assert "no-such-command" in done.stderr


def test_a_thread_still_running_gets_the_ordinary_exit(tmp_path: Path) -> None:
    written = tmp_path / "thread-wrote"
    prelude = f"""
        import pathlib, threading, time
        def late():
            time.sleep(0.5)
            pathlib.Path({str(written)!r}).write_text("done")
        threading.Thread(target=late).start()
        """
    done = _mesh(tmp_path, prelude, "contracts", "list")
    assert done.returncode == 0, done.stderr
    # the ordinary exit waited for the thread; leaving at once would have lost its write
    assert written.read_text() == "done"
