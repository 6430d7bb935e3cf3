"""Which locations a change of a deployment file configures, entry by entry.

The Helm values and the instance's workspace hold one entry per code location and
settings of the webserver and daemon (:data:`~mesh_platform.deploy.plan.SYSTEM`).
Comparing the parsed files before and after (anchors resolved, comments ignored) tells
which of them changed.

Example:
    >>> before = "load_from:\\n  - grpc_server: {host: a, port: 1, location_name: sales}\\n"
    >>> sorted(workspace_scope(before, before.replace("port: 1", "port: 2")))
    ['dagster', 'sales']
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml

from mesh_platform.deploy.plan import SYSTEM

USER_DEPLOYMENTS = "dagster-user-deployments"
"""The Helm chart's section of the code servers."""


def _load(text: str | None) -> dict[str, Any]:
    loaded = yaml.safe_load(text) if text else None
    return loaded if isinstance(loaded, dict) else {}


def helm_scope(before: str | None, after: str | None) -> frozenset[str]:
    """The locations whose code server (user deployment) differs between two versions of
    the Helm values, plus :data:`SYSTEM` when anything else differs (the webserver, its
    workspace, the daemon, the run launcher, the instance)."""
    old, new = _load(before), _load(after)
    scope = _changed_entries(_deployments(old), _deployments(new))
    if _without_deployments(old) != _without_deployments(new):
        scope.add(SYSTEM)
    return frozenset(scope)


def workspace_scope(before: str | None, after: str | None) -> frozenset[str]:
    """The locations whose entry differs between two versions of a workspace file, and
    :data:`SYSTEM` (the webserver and the daemon read the workspace) if anything does."""
    old, new = _load(before), _load(after)
    scope = _changed_entries(_workspace(old), _workspace(new))
    rest = [{k: v for k, v in data.items() if k != "load_from"} for data in (old, new)]
    if scope or rest[0] != rest[1]:
        scope.add(SYSTEM)
    return frozenset(scope)


def _changed_entries(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def _entries(items: Any, name_of: Callable[[dict[str, Any]], str | None]) -> dict[str, Any]:
    entries: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        name = name_of(item) if isinstance(item, dict) else None
        if name:
            entries[name] = item
    return entries


def _deployments(values: dict[str, Any]) -> dict[str, Any]:
    """Location → its user deployment, named by its ``trident/domain`` label, else by its
    name without ``trident-`` (with ``-`` read as ``_``)."""
    section = values.get(USER_DEPLOYMENTS) or {}

    def name_of(item: dict[str, Any]) -> str | None:
        label = (item.get("labels") or {}).get("trident/domain")
        return label or str(item.get("name", "")).removeprefix("trident-").replace("-", "_")

    return _entries(section.get("deployments"), name_of)


def _without_deployments(values: dict[str, Any]) -> dict[str, Any]:
    rest = copy.deepcopy(values)
    (rest.get(USER_DEPLOYMENTS) or {}).pop("deployments", None)
    return rest


def _workspace(workspace: dict[str, Any]) -> dict[str, Any]:
    """Location → its ``load_from`` entry (whatever its kind)."""

    def name_of(item: dict[str, Any]) -> str | None:
        target = next(iter(item.values()), None)
        return target.get("location_name") if isinstance(target, dict) else None

    return _entries(workspace.get("load_from"), name_of)
