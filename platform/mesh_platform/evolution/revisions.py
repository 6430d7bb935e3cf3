"""The contracts and product definitions of a git revision, as a folder.

The compared revisions are those a pull request shows: the base is the merge base of
the base revision and the head (``git diff BASE...HEAD``), so that what the base branch
merged since the branch started is not counted as undone; the head is the working tree
(uncommitted edits included) unless a revision is named. A revision's ``contracts/`` and
``domains/`` are written to a temporary folder with ``git archive``; the working tree is
read in place.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from mesh_platform.deploy.changes import RevisionError, commit_of

PACKAGES = ("contracts", "domains")
"""The folders a revision's snapshot needs (the platform is the one running)."""


@dataclass(frozen=True)
class Revisions:
    """The two sides compared: the merge base and the head (``None``: the working tree)."""

    base: str
    merge_base: str
    head: str | None


def _git(root: Path, *args: str, text: bool = True) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise RevisionError(f"git {' '.join(args)}: {message}")
    return result


def revisions(root: Path, base: str, head: str | None) -> Revisions:
    """The merge base of ``base`` and the head, and the head's commit if one is named.

    Raises:
        RevisionError: an unknown revision, or no merge base.
    """
    commit_of(root, base)
    head_commit = commit_of(root, head) if head is not None else None
    merge_base = _git(root, "merge-base", base, head_commit or "HEAD").stdout.decode().strip()
    return Revisions(base, merge_base, head_commit)


@contextmanager
def tree_of(root: Path, commit: str | None) -> Iterator[Path]:
    """A folder holding the ``contracts`` and ``domains`` packages of ``commit`` (the
    working tree of ``root`` itself for ``None``); a temporary one is removed after."""
    if commit is None:
        yield root
        return
    listed = _git(root, "ls-tree", "--name-only", commit).stdout.decode().split()
    present = [p for p in PACKAGES if p in listed]
    if "contracts" not in present:
        raise RevisionError(f"{commit[:12]} holds no contracts/ folder")
    with TemporaryDirectory(prefix="mesh-revision-") as folder:
        archive = _git(root, "archive", "--format=tar", commit, *present).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder)
