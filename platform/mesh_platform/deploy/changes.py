"""What changed between two revisions, asked of git.

The changes of a head are those since its merge base with the base revision (what a
pull request shows: ``git diff BASE...HEAD``), so that commits merged into the base
since the branch started are not counted. The head is the working tree (commits,
staged and unstaged edits, new files git does not ignore) unless a revision is named;
that revision must be the checked-out commit, since the graph (imports, SQL files,
Python products) is read from the checkout.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from mesh_platform.deploy.config import helm_scope, workspace_scope
from mesh_platform.deploy.plan import Change

COMPARED: dict[str, Callable[[str | None, str | None], frozenset[str]]] = {
    "deploy/helm/values.yaml": helm_scope,
    "deploy/dagster/workspace.yaml": workspace_scope,
}
"""Deployment files compared entry by entry, and how."""


class RevisionError(ValueError):
    """A revision git does not know, or a head that is not checked out."""


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RevisionError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def repository_root(folder: Path) -> Path:
    """The root of the git checkout holding ``folder``."""
    return Path(_git(folder, "rev-parse", "--show-toplevel").strip())


def commit_of(root: Path, revision: str) -> str:
    """The commit a revision names.

    Raises:
        RevisionError: git does not know it.
    """
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
    except RevisionError:
        raise RevisionError(f"unknown revision {revision!r}") from None


def changed(root: Path, base: str, head: str | None = None) -> list[Change]:
    """The paths changed since the merge base of ``base`` and the head, with the
    locations that compared deployment files configure.

    Raises:
        RevisionError: an unknown revision, no merge base, or a head that is not the
            checked-out commit.
    """
    checked_out = commit_of(root, "HEAD")
    if head is not None and commit_of(root, head) != checked_out:
        raise RevisionError(
            f"--head {head} is not the checked-out commit: the plan reads the project's "
            "graph from the checkout; check it out first"
        )
    commit_of(root, base)
    merge_base = _git(root, "merge-base", base, checked_out).strip()
    if head is None:
        listed = _git(root, "diff", "--name-only", "--no-renames", "-z", merge_base)
        listed += _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    else:
        listed = _git(root, "diff", "--name-only", "--no-renames", "-z", merge_base, checked_out)
    paths = sorted({p for p in listed.split("\0") if p})
    changes = []
    for path in paths:
        compare = COMPARED.get(path)
        if compare is None:
            changes.append(Change(path))
            continue
        after = _read(root, path) if head is None else _show(root, checked_out, path)
        changes.append(Change(path, compare(_show(root, merge_base, path), after)))
    return changes


def _show(root: Path, commit: str, path: str) -> str | None:
    try:
        return _git(root, "show", f"{commit}:{path}")
    except RevisionError:
        return None


def _read(root: Path, path: str) -> str | None:
    file = root / path
    return file.read_text() if file.exists() else None
