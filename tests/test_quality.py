"""The codebase's own quality gates, run with the tests: lint, types, architecture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_type_checks() -> None:
    result = _run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_domain_imports_another_domain() -> None:
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_package_named_platform_shadows_the_stdlib() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()
    import platform

    assert hasattr(platform, "python_version"), "stdlib 'platform' is shadowed"


MAX_MODULE_LINES = 500
"""A source module a reader takes in at once: split one that grows past it, by role."""

LONGER_MODULES: dict[str, str] = {}
"""The source modules allowed past :data:`MAX_MODULE_LINES`, each with why (none today)."""

SOURCE_FOLDERS = ("platform", "contracts", "domains", "sandbox")


def test_source_modules_stay_small() -> None:
    too_long = {
        path.relative_to(ROOT).as_posix(): n
        for folder in SOURCE_FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
        and path.relative_to(ROOT).as_posix() not in LONGER_MODULES
    }
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines (split them by role): {too_long}"
    stale = [name for name in LONGER_MODULES if not (ROOT / name).is_file()]
    assert not stale, f"exceptions naming no module: {stale}"
