"""What building a SQL product loads: not pandas, numpy or Arrow (half a second of
every command that builds one), which are loaded where frames are read or loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FRAME_LIBRARIES = ("pandas", "numpy", "pyarrow")


def test_the_sql_build_path_imports_no_frame_library() -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import mesh_platform.engines.duckdb
        import mesh_platform.location
        import mesh_platform.privacy.erasure
        import mesh_platform.products.asset
        import mesh_platform.wap
        import sandbox.build
        print(",".join(m for m in {FRAME_LIBRARIES!r} if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""


def test_a_frame_read_loads_them_when_it_runs() -> None:
    script = textwrap.dedent(
        """
        import json, sys
        import duckdb
        from mesh_platform.engines.frames import compact_frame
        frame = compact_frame(duckdb.connect(), "SELECT 'a' AS t, 1 AS n")
        print(json.dumps([type(frame).__name__, frame.to_dict("records"), "pandas" in sys.modules]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == ["DataFrame", [{"t": "a", "n": 1}], True]
