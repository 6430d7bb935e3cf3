"""Writing the catalog: static HTML pages, pictures, downloads and a search index.

:func:`build_site` reads the mesh (:mod:`mesh_platform.catalog.model`), the last runs
(:mod:`mesh_platform.catalog.runs`) and the published products the pictures are drawn
from (:mod:`mesh_platform.catalog.charts`), and renders the jinja2 templates of
``templates/`` into a folder any web server can host: ``index.html`` (the mesh), one page
per domain and per product, ``search-index.js`` (products and columns, with the
business glossary's words), the ODCS and JSON Schema documents of every product.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from sqlglot import exp

from mesh_platform.catalog.charts import CHARTS, Drawing
from mesh_platform.catalog.data import PublishedData
from mesh_platform.catalog.model import CatalogProduct, ColumnRef, MeshCatalog
from mesh_platform.catalog.overview import mesh_picture
from mesh_platform.catalog.runs import LastRun
from mesh_platform.contract.glossary import GLOSSARY, Term
from mesh_platform.export import ExportFormat, export_contract, file_name

ASSETS = Path(__file__).with_name("static")


@dataclass(frozen=True)
class Freshness:
    """Whether a product is within its freshness SLA at the catalog's build time."""

    state: str
    """``met``, ``late``, ``failed`` (its last run failed), ``never`` or ``none`` (no SLA)."""
    text: str


@dataclass(frozen=True)
class SiteReport:
    """What :func:`build_site` wrote."""

    out: Path
    products: int
    domains: int
    pictures: tuple[str, ...]
    runs: int


def freshness(product: CatalogProduct, run: LastRun | None, now: datetime) -> Freshness:
    """The product's freshness now, from its SLA and its last run."""
    sla = product.meta.freshness
    if run is None:
        return Freshness("never", "never published (no run in the lineage)")
    age = now - run.time
    if not run.succeeded:
        return Freshness("failed", f"last run failed {_ago(age)} ago; the previous publish stays")
    if sla is None:
        return Freshness("none", f"published {_ago(age)} ago; no freshness SLA")
    if age <= sla.max_lag:
        return Freshness("met", f"met: published {_ago(age)} ago, within {_ago(sla.max_lag)}")
    return Freshness("late", f"late: published {_ago(age)} ago, SLA {_ago(sla.max_lag)}")


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 3 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def sample_query(product: CatalogProduct, dialect: str, dataset: str | None = None) -> str:
    """A first query of the product: its grain and a few columns, ten rows."""
    names = list(product.meta.grain) + [c.spec.name for c in product.columns if not c.in_grain]
    table = exp.table_(product.meta.product, db=dataset or product.domain)
    query = exp.select(*(exp.column(n) for n in names[:6])).from_(table).limit(10)
    if product.meta.grain:
        query = query.order_by(*(exp.column(n) for n in product.meta.grain))
    return query.sql(dialect, pretty=True)


def _prose(text: str) -> Markup:
    """A contract's description as HTML paragraphs, ````name```` as code."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        parts = str(escape(" ".join(paragraph.split()))).split("``")
        html = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
        paragraphs.append(f"<p>{html}</p>")
    return Markup("".join(paragraphs))


def _summary(text: str) -> str:
    """A description's first paragraph, on one line, without its code marks."""
    return " ".join(text.split("\n\n", maxsplit=1)[0].split()).replace("``", "")


def terms_of(product: CatalogProduct, terms: Sequence[Term]) -> dict[str, list[str]]:
    """The glossary's words a product carries: ``{"": product-level, column: words}``."""
    found: dict[str, list[str]] = {}
    meta = product.meta
    text = " ".join((meta.key, meta.description, " ".join(meta.tags)))
    found[""] = [t.word for t in terms if t.found_in(text)]
    for column in product.columns:
        words = [
            t.word for t in terms if t.found_in(f"{column.spec.name} {column.spec.description}")
        ]
        if words:
            found[column.spec.name] = words
    return found


def search_index(catalog: MeshCatalog, terms: Sequence[Term]) -> list[dict[str, Any]]:
    """The entries of the search: one per product and per column."""
    entries: list[dict[str, Any]] = []
    for product in catalog.products.values():
        words = terms_of(product, terms)
        url = f"products/{product.key}.html"
        entries.append(
            {
                "kind": "product",
                "name": product.key,
                "domain": product.domain,
                "text": _summary(product.meta.description),
                "url": url,
                "terms": words[""],
                "tags": list(product.meta.tags),
            }
        )
        for column in product.columns:
            entries.append(
                {
                    "kind": "column",
                    "name": f"{product.key}.{column.spec.name}",
                    "domain": product.domain,
                    "text": column.spec.description,
                    "url": f"{url}#column-{column.spec.name}",
                    "terms": words.get(column.spec.name, []),
                    "tags": [],
                }
            )
    return entries


def _lineage_json(product: CatalogProduct, catalog: MeshCatalog) -> dict[str, Any]:
    def ref(r: ColumnRef) -> dict[str, Any]:
        known = catalog.products.get(r.product)
        return {
            "product": r.product,
            "column": r.column,
            "domain": known.domain if known else r.product.split(".")[0],
            "url": f"{r.product}.html" + ("" if r.column == "*" else f"#column-{r.column}")
            if known
            else None,
        }

    referenced: dict[str, list[ColumnRef]] = {}
    for other in catalog.products.values():
        for column in other.columns:
            target = column.spec.reference_target
            if target and f"{target[0]}.{target[1]}" == product.key:
                referenced.setdefault(target[2], []).append(ColumnRef(other.key, column.spec.name))
    return {
        c.spec.name: {
            "sources": [ref(s) for s in c.sources],
            "readers": [ref(r) for r in c.readers],
            "referenced": [ref(r) for r in referenced.get(c.spec.name, [])],
            "exact": product.kind == "sql",
        }
        for c in product.columns
    }


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("mesh_platform.catalog", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["prose"] = _prose
    env.filters["summary"] = _summary
    env.filters["ago"] = _ago
    env.filters["tojson_script"] = lambda v: Markup(
        json.dumps(v, ensure_ascii=False).replace("</", "<\\/")
    )
    return env


def build_site(
    catalog: MeshCatalog,
    runs: Mapping[str, LastRun],
    read: PublishedData,
    out: Path,
    *,
    now: datetime | None = None,
    datasets: Mapping[str, str] | None = None,
) -> SiteReport:
    """Write the catalog of ``catalog`` into ``out`` (replaced if it exists).

    Args:
        catalog: the mesh's products and lineage.
        runs: each product's last run.
        read: reads the published products the pictures are drawn from.
        out: the folder to write.
        now: the time freshness is judged at (default: now).
        datasets: the warehouse dataset of each domain, for the BigQuery sample query.
    """
    now = now or datetime.now(UTC)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("products", "domains", "downloads", "pictures", "assets"):
        (out / folder).mkdir(parents=True)
    for asset in ASSETS.iterdir():
        shutil.copy(asset, out / "assets" / asset.name)
    terms = list(GLOSSARY.terms.values())
    index = search_index(catalog, terms)
    (out / "assets" / "search-index.js").write_text(
        "window.MESH_SEARCH = " + json.dumps(index, ensure_ascii=False) + ";\n", encoding="utf-8"
    )
    drawings = _draw(catalog, read, out)
    fresh = {k: freshness(p, runs.get(k), now) for k, p in catalog.products.items()}
    env = _environment()
    common = {"catalog": catalog, "runs": runs, "fresh": fresh, "built": now, "terms": terms}
    (out / "pictures" / "mesh.png").write_bytes(mesh_picture(catalog))
    _write(out / "index.html", env.get_template("index.html").render(root="", **common))
    for domain in catalog.domains:
        page = env.get_template("domain.html").render(root="../", domain=domain, **common)
        _write(out / "domains" / f"{domain}.html", page)
    for key, product in catalog.products.items():
        downloads = {}
        for fmt in (ExportFormat.ODCS, ExportFormat.JSONSCHEMA):
            name = file_name(product.contract, fmt)
            _write(out / "downloads" / name, export_contract(product.contract, fmt))
            downloads[fmt.value] = name
        dataset = (datasets or {}).get(product.domain)
        page = env.get_template("product.html").render(
            root="../",
            product=product,
            run=runs.get(key),
            drawings=drawings.get(key, []),
            downloads=downloads,
            lineage=_lineage_json(product, catalog),
            product_terms=terms_of(product, terms),
            queries={
                "mesh query (DuckDB)": sample_query(product, "duckdb"),
                "BigQuery": sample_query(product, "bigquery", dataset),
            },
            **common,
        )
        _write(out / "products" / f"{key}.html", page)
    pictures = tuple(f"{k}-{i}" for k, ds in drawings.items() for i in range(len(ds)))
    return SiteReport(out, len(catalog.products), len(catalog.domains), pictures, len(runs))


def _draw(catalog: MeshCatalog, read: PublishedData, out: Path) -> dict[str, list[Drawing]]:
    drawings: dict[str, list[Drawing]] = {}
    for chart in CHARTS:
        product = catalog.products.get(chart.product)
        if product is None:
            continue
        frame = read(chart.product, chart.columns)
        drawing = chart.draw(frame, product.contract) if frame is not None else None
        if drawing is None:
            continue
        found = drawings.setdefault(chart.product, [])
        (out / "pictures" / f"{chart.product}-{len(found)}.png").write_bytes(drawing.png)
        found.append(drawing)
    return drawings


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
