"""A thirteenth domain scaffolded in a copy of the repository, with one SQL and one Python
product: `mesh check`, the code location, `mesh build --select` and the catalog see it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.scaffold import ScaffoldError, new_domain, new_product
from tests.support.tiny_mesh import TinyMesh

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
MESH = Path(sys.executable).with_name("mesh")


def _copy_repository(target: Path) -> Path:
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _run(copy: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), str(copy / "platform")])
    env["MESH_STATE_DIR"] = str(state)
    env["COLUMNS"] = "200"
    return subprocess.run(
        args, cwd=copy, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_a_scaffolded_domain_is_checked_loaded_built_and_catalogued(
    tiny_mesh: TinyMesh, tmp_path: Path, reader_env: Callable[[str], None]
) -> None:
    reader_env("bastien")  # mesh query runs as a directory user
    copy = _copy_repository(tmp_path / "repo")
    state = tmp_path / "state"
    state.mkdir()
    for part in ("warehouse.duckdb", "published", "lineage"):
        source = tiny_mesh.state / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, state / part)

    def mesh(*args: str) -> str:
        run = _run(copy, state, str(MESH), *args)
        assert run.returncode == 0, f"mesh {' '.join(args)}:\n{run.stdout}\n{run.stderr}"
        return run.stdout

    mesh("new", "domain", "loyalty", "--team", "Loyalty", "--contact", "loyalty@trident.example")
    assert "domains.loyalty.definitions" in (copy / "workspace.yaml").read_text()
    mesh("new", "product", "loyalty.village_list", "--sql")
    mesh("new", "product", "loyalty.village_keys", "--python", "--reads", "resorts.villages")
    mesh("domains", "sync", "--check")
    written = ["contracts/loyalty.py", "domains/loyalty"]
    ruff = str(Path(sys.executable).with_name("ruff"))
    for args in (("check", *written), ("format", "--check", *written)):
        lint = _run(copy, state, ruff, *args)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "no findings" in mesh("check")
    assert "loyalty" in mesh("domains", "list").split()

    load = _run(
        copy,
        state,
        sys.executable,
        "-c",
        "from domains.loyalty.definitions import defs\n"
        "print(sorted('.'.join(a.key.path) for a in defs.resolve_all_asset_specs()))",
    )
    assert load.returncode == 0, load.stderr
    # the location's two products, and the upstream they read from another location
    assert "['loyalty.village_keys', 'loyalty.village_list', 'resorts.villages']" in load.stdout

    built = mesh("build", "--no-simulate", "--select", "loyalty")
    assert "loyalty.village_list" in built
    assert "loyalty.village_keys" in built
    rows = mesh("query", "select count(*) as n from loyalty.village_list")
    villages = mesh("query", "select count(*) as n from resorts.villages")
    assert rows.split() == villages.split()  # one row per village

    site = tmp_path / "site"
    mesh("catalog", "build", "--out", str(site))
    assert (site / "domains" / "loyalty.html").is_file()
    page = (site / "products" / "loyalty.village_list.html").read_text()
    assert "loyalty@trident.example" in page
    assert "resorts.villages" in page
    upstream = (site / "products" / "resorts.villages.html").read_text()
    assert 'data-product="loyalty.village_list"' in upstream
    assert 'data-product="loyalty.village_keys"' in upstream


def test_a_scaffold_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "domains" / "sales").mkdir(parents=True)
    (tmp_path / "domains" / "sales" / "definitions.py").write_text("")
    with pytest.raises(ScaffoldError, match="exists already"):
        new_domain(tmp_path, "sales", "Sales", "sales@trident.example")
    with pytest.raises(ScaffoldError, match="lower case"):
        new_domain(tmp_path, "Loyalty", "Loyalty", "loyalty@trident.example")
    with pytest.raises(ScaffoldError, match="no domain 'loyalty'"):
        new_product(tmp_path, "loyalty.village_list", "sql", {})
    with pytest.raises(ScaffoldError, match=r"expected DOMAIN\.PRODUCT"):
        new_product(tmp_path, "village_list", "sql", {})


def test_without_a_terminal_a_missing_value_is_an_error_naming_the_flag(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mesh_platform.cli import app

    (tmp_path / "domains").mkdir()
    result = CliRunner().invoke(app, ["new", "domain", "loyalty", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert "--team is required (no terminal to ask)" in result.output
    both = CliRunner().invoke(app, ["new", "product", "loyalty.x", "--sql", "--python"])
    assert both.exit_code == 2
    assert "not both" in both.output


def _answer_in_a_terminal(command: list[str], cwd: Path, answers: dict[str, str]) -> str:
    """Run ``command`` on a pseudo-terminal, answering each prompt that ``answers`` names;
    everything it printed."""
    import pty
    import select

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command, cwd=cwd, stdin=follower, stdout=follower, stderr=follower, close_fds=True
    )
    os.close(follower)
    seen, pending = "", dict(answers)
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            assert ready, f"no output for 60 s:\n{seen}"
            try:
                chunk = os.read(leader, 4096).decode(errors="replace")
            except OSError:  # the command ended and closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            for prompt in [p for p in pending if p in seen]:
                os.write(leader, (pending.pop(prompt) + "\n").encode())
    finally:
        os.close(leader)
        process.wait(timeout=60)
    assert process.returncode == 0, seen
    assert not pending, f"never asked {sorted(pending)}:\n{seen}"
    return seen


def test_in_a_terminal_a_missing_value_is_asked_for(tmp_path: Path) -> None:
    copy = _copy_repository(tmp_path / "repo")
    printed = _answer_in_a_terminal(
        [str(MESH), "new", "domain", "loyalty", "--root", str(copy)],
        copy,
        {"Owning team": "Loyalty", "Team contact": "loyalty@trident.example"},
    )
    assert "wrote" in printed
    contracts = (copy / "contracts" / "loyalty.py").read_text()
    assert "Loyalty" in contracts
    assert "loyalty@trident.example" in contracts
    assert (copy / "domains" / "loyalty" / "definitions.py").is_file()
