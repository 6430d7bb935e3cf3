"""A git repository holding a copy of this project, for commands that read git history
(`mesh deploy plan`, `mesh contracts diff`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` as a fixed author, without signing; its standard output."""
    command = ["git", "-c", "user.name=Trident", "-c", "user.email=trident@example.com"]
    command += ["-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


def copy_project(repo: Path) -> Path:
    """``repo`` made a git repository holding this project's files (tracked, and new ones
    not ignored), committed once on ``main``."""
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in sorted(set(listed.split("\0")) - {""}):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "The project as it is")
    return repo
