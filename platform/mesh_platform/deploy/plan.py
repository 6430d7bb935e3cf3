"""The deploy plan: from changed paths and the project's graph, what to roll out again.

One image runs everything, so a change reaches production through the pods that run
it: the code server of each domain (its code location) and the Dagster webserver and
daemon (:data:`SYSTEM`). Each changed path goes through :data:`RULES`, in order; the
first rule that claims it decides, for every location, one of

- ``redeploy``: the location runs code or configuration that changed;
- ``notify``: it runs nothing that changed, but its products read a product whose
  contract changed: its owners should look (a breaking change fails its load anyway);
- ``none``: nothing it runs changed.

A location takes the strongest action any path gives it, with every reason.

Example:
    >>> graph = Graph(domains=("sales", "web"), imports={"domains.sales.products": ()})
    >>> plan([Change("domains/sales/sql/sales_lines.sql")], graph).redeploy
    ('sales',)
    >>> plan([Change("README.md")], graph).unaffecting[0].rule
    'docs'
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

SYSTEM = "dagster"
"""The location name of the Dagster webserver and daemon (the instance), beside the
domains' code locations."""


class Action(StrEnum):
    """What a location must do, strongest last."""

    NONE = "none"
    NOTIFY = "notify"
    REDEPLOY = "redeploy"

    @property
    def rank(self) -> int:
        return list(Action).index(self)


@dataclass(frozen=True)
class Change:
    """A changed path (relative to the repository's root, with ``/``).

    ``configures`` is, for a deployment file compared entry by entry (the Helm values,
    the instance's workspace), the locations whose entries differ; ``None`` when it was
    not compared, which the rules read as "all of them".
    """

    path: str
    configures: frozenset[str] | None = None


@dataclass(frozen=True)
class Graph:
    """What the rules need to know of the project at the head revision."""

    domains: tuple[str, ...]
    """The domains, one code location each."""
    imports: Mapping[str, Iterable[str]] = field(default_factory=dict)
    """Every module of ``contracts`` and ``domains`` → the modules it imports."""
    contract_products: Mapping[str, Iterable[str]] = field(default_factory=dict)
    """A contract module → the products (``domain.product``) whose contracts it defines."""
    reads: Mapping[str, Iterable[str]] = field(default_factory=dict)
    """A domain → the products its products read (SQL upstreams, Python inputs)."""
    image_paths: tuple[str, ...] = ()
    """What the production image is built from (files or folders), per its .dockerignore."""


@dataclass(frozen=True)
class Effect:
    """What one changed path does to one location, and why."""

    location: str
    action: Action
    rule: str
    detail: str


@dataclass(frozen=True)
class Decision:
    """The verdict of the rule that claimed a path."""

    path: str
    rule: str
    detail: str
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Reason:
    """Why a location takes its action: the changed path and the rule that decided."""

    path: str
    rule: str
    detail: str

    def line(self) -> str:
        return f"{self.path}: {self.rule}: {self.detail}"


@dataclass(frozen=True)
class Row:
    """One location of the plan: its action and every reason for it."""

    location: str
    action: Action
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Plan:
    """The rows of every location, and the changed paths that reach no location."""

    rows: tuple[Row, ...]
    decisions: tuple[Decision, ...]

    def locations(self, action: Action) -> tuple[str, ...]:
        return tuple(r.location for r in self.rows if r.action is action)

    @property
    def redeploy(self) -> tuple[str, ...]:
        return self.locations(Action.REDEPLOY)

    @property
    def notify(self) -> tuple[str, ...]:
        return self.locations(Action.NOTIFY)

    @property
    def unaffecting(self) -> tuple[Decision, ...]:
        """The decisions of paths that change nothing in production."""
        return tuple(d for d in self.decisions if not d.effects)

    def as_json(self) -> dict[str, object]:
        """The plan as JSON-ready data, for CI."""
        return {
            "redeploy": list(self.redeploy),
            "notify": list(self.notify),
            "locations": [
                {
                    "location": row.location,
                    "action": str(row.action),
                    "reasons": [
                        {"path": r.path, "rule": r.rule, "detail": r.detail} for r in row.reasons
                    ],
                }
                for row in self.rows
            ],
            "changes": [
                {
                    "path": d.path,
                    "rule": d.rule,
                    "detail": d.detail,
                    "locations": sorted({e.location for e in d.effects}),
                }
                for d in self.decisions
            ],
        }


def plan(changes: Sequence[Change], graph: Graph) -> Plan:
    """The deploy plan of ``changes``: one row per location (the domains, then
    :data:`SYSTEM`), each with its action and the reasons for it."""
    decisions = tuple(decide(change, graph) for change in changes)
    rows = []
    for location in (*graph.domains, *_extra_locations(decisions, graph)):
        effects = [(d.path, e) for d in decisions for e in d.effects if e.location == location]
        action = max((e.action for _, e in effects), key=lambda a: a.rank, default=Action.NONE)
        reasons = {
            Reason(path, e.rule, e.detail): None for path, e in effects if e.action is action
        }
        rows.append(Row(location, action, tuple(reasons)))
    return Plan(tuple(rows), decisions)


def _extra_locations(decisions: Iterable[Decision], graph: Graph) -> list[str]:
    """:data:`SYSTEM`, then locations a change names that are not (or no longer) domains."""
    named = {e.location for d in decisions for e in d.effects}
    return [SYSTEM, *sorted(named - {*graph.domains, SYSTEM})]


def decide(change: Change, graph: Graph) -> Decision:
    """The decision of the first rule of :data:`RULES` that claims the path."""
    for rule in RULES:
        decision = rule(change, graph)
        if decision is not None:
            return decision
    raise AssertionError("the last rule claims every path")  # pragma: no cover


# --- the rules, in order: module-level functions named as the rule they apply ----------

Rule = Callable[[Change, Graph], Decision | None]


def _matches(path: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, p) or path.startswith(p.rstrip("*")) for p in patterns)


def _all(graph: Graph, rule: str, detail: str, *, system: bool = False) -> tuple[Effect, ...]:
    locations = (*graph.domains, SYSTEM) if system else graph.domains
    return tuple(Effect(loc, Action.REDEPLOY, rule, detail) for loc in locations)


def _none(change: Change, rule: str, detail: str, patterns: Iterable[str]) -> Decision | None:
    if _matches(change.path, patterns):
        return Decision(change.path, rule, f"no redeploy: {detail}")
    return None


def docs(change: Change, graph: Graph) -> Decision | None:
    """Documentation is read by people, not run."""
    return _none(change, "docs", "documentation", ("*.md", "*.rst", "docs/*", "LICENSE*"))


def tests(change: Change, graph: Graph) -> Decision | None:
    """Tests run in CI, not in production."""
    return _none(change, "tests", "tests are not in the image", ("tests/*", "conftest.py"))


def local(change: Change, graph: Graph) -> Decision | None:
    """The local sandbox and tooling: ``deploy/local``, ``dagster dev``'s workspace."""
    patterns = ("deploy/local/*", "workspace.yaml", ".gitignore", ".python-version")
    return _none(change, "local", "local tooling, not in production", patterns)


def ci(change: Change, graph: Graph) -> Decision | None:
    """CI definitions decide how changes are checked and shipped, not what runs."""
    return _none(change, "ci", "CI definitions", (".ci/*", ".github/*", "deploy/ci/*"))


def infrastructure(change: Change, graph: Graph) -> Decision | None:
    """Terraform is applied with ``terraform apply``, not by rolling out pods."""
    return _none(change, "infrastructure", "Terraform, applied on its own", ("deploy/gcp/*",))


def dependencies(change: Change, graph: Graph) -> Decision | None:
    """The locked environment is the image's: every pod runs it."""
    if change.path in ("pyproject.toml", "uv.lock"):
        detail = "the image's Python environment"
        return Decision(
            change.path, "dependencies", detail, _all(graph, "dependencies", detail, system=True)
        )
    return None


def image(change: Change, graph: Graph) -> Decision | None:
    """The production image's build and the files it carries besides the package."""
    if _matches(change.path, ("deploy/docker/*", "deploy/openlineage/*")):
        detail = "the production image every pod runs"
        return Decision(change.path, "image", detail, _all(graph, "image", detail, system=True))
    return None


def platform(change: Change, graph: Graph) -> Decision | None:
    """The platform package runs in every code location."""
    if change.path.startswith("platform/mesh_platform/"):
        detail = "the platform package every code location runs"
        return Decision(change.path, "platform", detail, _all(graph, "platform", detail))
    return None


def domain(change: Change, graph: Graph) -> Decision | None:
    """A file of ``domains/<domain>/`` is that location's code; the ``domains`` package's
    own files are every location's."""
    parts = change.path.split("/")
    if parts[0] != "domains" or len(parts) < 2:
        return None
    if len(parts) == 2:
        detail = "the domains package, imported by every code location"
        return Decision(change.path, "domain", detail, _all(graph, "domain", detail))
    detail = f"code of the {parts[1]} location"
    effect = Effect(parts[1], Action.REDEPLOY, "domain", detail)
    return Decision(change.path, "domain", detail, (effect,))


def contract(change: Change, graph: Graph) -> Decision | None:
    """A contract module: every location whose code imports it (its owner's contract
    module counts as the owner's code) redeploys; the domains whose products read one
    of its products, and do not redeploy, are notified."""
    if not (change.path.startswith("contracts/") and change.path.endswith(".py")):
        return None
    module = module_name(change.path)
    effects: list[Effect] = []
    for location in graph.domains:
        chain = import_chain(location, module, graph)
        if chain is None:
            continue
        if chain[0] == module:
            rule, detail = "contract", f"the contract module of {location}"
        elif owner_of(module, graph.domains) is None:
            rule, detail = "shared_contract", "through " + " → ".join(chain)
        else:
            rule, detail = "contract_import", "through " + " → ".join(chain)
        effects.append(Effect(location, Action.REDEPLOY, rule, detail))
    redeployed = {e.location for e in effects}
    products = set(graph.contract_products.get(module, ()))
    owner = owner_of(module, graph.domains)
    for location in graph.domains:
        read = sorted(products & set(graph.reads.get(location, ())))
        if read and location not in redeployed and location != owner:
            detail = f"reads {', '.join(read)}, whose contract changed"
            effects.append(Effect(location, Action.NOTIFY, "contract_consumer", detail))
    if not effects:
        return Decision(change.path, "contract", f"no redeploy: no location imports {module}")
    return Decision(change.path, "contract", f"contract module {module}", tuple(effects))


def helm_values(change: Change, graph: Graph) -> Decision | None:
    """The Helm values configure each code server (its user deployment) and the
    webserver and daemon (the rest)."""
    if change.path != "deploy/helm/values.yaml":
        return None
    return _configured(change, graph, "helm_values", "its Helm values changed")


def instance(change: Change, graph: Graph) -> Decision | None:
    """The instance's files, read by the webserver and the daemon; the workspace also
    names each code location."""
    if change.path == "deploy/dagster/workspace.yaml":
        return _configured(change, graph, "instance", "its workspace entry changed")
    if change.path == "deploy/dagster/dagster.yaml":
        effect = Effect(SYSTEM, Action.REDEPLOY, "instance", "the Dagster instance's settings")
        return Decision(change.path, "instance", "the Dagster instance", (effect,))
    if change.path == "deploy/helm/prerequisites.yaml":
        detail = "the environment (ConfigMap, service account) of every pod"
        return Decision(
            change.path, "instance", detail, _all(graph, "instance", detail, system=True)
        )
    return None


def _configured(change: Change, graph: Graph, rule: str, detail: str) -> Decision:
    locations = (*graph.domains, SYSTEM) if change.configures is None else change.configures
    effects = tuple(Effect(loc, Action.REDEPLOY, rule, detail) for loc in sorted(locations))
    if not effects:
        return Decision(change.path, rule, "no redeploy: no entry changed (comments, layout)")
    return Decision(change.path, rule, "deployment configuration", effects)


def in_image(change: Change, graph: Graph) -> Decision | None:
    """Any other file the image is built from may change what runs: everything."""
    if any(
        change.path == p or change.path.startswith(p.rstrip("/") + "/") for p in graph.image_paths
    ):
        detail = "a file of the production image"
        return Decision(
            change.path, "in_image", detail, _all(graph, "in_image", detail, system=True)
        )
    return None


def outside(change: Change, graph: Graph) -> Decision:
    """The rest is neither in the image nor in the deployment's configuration."""
    return Decision(change.path, "outside", "no redeploy: not in the image nor in the deployment")


RULES: tuple[Rule, ...] = (
    docs,
    tests,
    local,
    ci,
    infrastructure,
    dependencies,
    image,
    platform,
    domain,
    contract,
    helm_values,
    instance,
    in_image,
    outside,
)
"""The rules, in the order they are tried; the first that claims a path decides."""


# --- the import graph ----------------------------------------------------------------


def module_name(path: str) -> str:
    """The dotted module of a ``.py`` path: ``contracts/x/__init__.py`` → ``contracts.x``."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def owner_of(module: str, domains: Iterable[str]) -> str | None:
    """The domain owning a contract module (``contracts.<domain>`` and below), if any."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "contracts" and parts[1] in set(domains):
        return parts[1]
    return None


def import_chain(location: str, target: str, graph: Graph) -> list[str] | None:
    """How the location's code reaches ``target``: the modules from one of its own
    (``domains.<location>...`` or its contract modules) to ``target``, or ``None``.

    Importing a module runs its parent packages first, so they are reached too.
    """
    own = [m for m in graph.imports if m.startswith(f"domains.{location}.")]
    roots = [*own, *(m for m in graph.imports if owner_of(m, graph.domains) == location)]
    if owner_of(target, graph.domains) == location:
        roots.insert(0, target)
    came_from: dict[str, str | None] = dict.fromkeys(roots)
    queue = list(roots)
    while queue:
        current = queue.pop(0)
        if current == target:
            chain = [current]
            while (previous := came_from[chain[-1]]) is not None:
                chain.append(previous)
            return chain[::-1]
        for imported in (*_parents(current), *graph.imports.get(current, ())):
            if imported not in came_from and (imported in graph.imports or imported == target):
                came_from[imported] = current
                queue.append(imported)
    return None


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]
