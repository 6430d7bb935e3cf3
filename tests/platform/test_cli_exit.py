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


def test_a_daemon_thread_still_running_does_not_bring_back_the_teardown(
    tmp_path: Path,
) -> None:
    # rich's progress display stops its refresh thread (a daemon) without joining it:
    # the command often returns while it is still alive
    torn_down = tmp_path / "torn-down"
    prelude = f"""
        import pathlib, threading, time
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()

        class Kept:
            def __del__(self):  # runs when the interpreter tears its modules down
                pathlib.Path({str(torn_down)!r}).write_text("torn down")

        kept = Kept()
        """
    done = _mesh(tmp_path, prelude, "contracts", "list")
    assert done.returncode == 0, done.stderr
    assert "villages" in done.stdout
    # the process left without tearing its modules down (nor waiting for the daemon)
    assert not torn_down.exists()


def test_an_ordinary_exit_runs_the_finaliser_the_daemon_test_watches(tmp_path: Path) -> None:
    # the same process through the ordinary exit: its teardown does run the finaliser,
    # so the test above would see a teardown if one happened
    torn_down = tmp_path / "torn-down"
    script = textwrap.dedent(
        f"""
        import pathlib

        class Kept:
            def __del__(self):
                pathlib.Path({str(torn_down)!r}).write_text("torn down")

        kept = Kept()
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert done.returncode == 0
    assert torn_down.read_text() == "torn down"
