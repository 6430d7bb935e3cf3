"""The mesh at a glance: the domains on a circle and the product edges between them,
drawn with matplotlib (an arrow's width grows with the products it carries)."""

from __future__ import annotations

import io
import math

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from mesh_platform.catalog.model import MeshCatalog


def positions(domains: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """Each domain's place on the unit circle, the first at the top, clockwise."""
    count = max(1, len(domains))
    return {
        domain: (math.sin(2 * math.pi * i / count), math.cos(2 * math.pi * i / count))
        for i, domain in enumerate(domains)
    }


def mesh_picture(catalog: MeshCatalog) -> bytes:
    """The PNG of the domains and the edges between them."""
    places = positions(catalog.domains)
    figure = Figure(figsize=(8, 8), layout="constrained")
    axes = figure.add_subplot()
    axes.set_xlim(-1.45, 1.45)
    axes.set_ylim(-1.3, 1.3)
    axes.set_aspect("equal")
    axes.axis("off")
    for (source, target), edges in catalog.domain_edges.items():
        start, end = places[source], places[target]
        axes.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=12,
                linewidth=0.6 + 0.5 * len(edges),
                color="#2e86c1",
                alpha=0.55,
                connectionstyle="arc3,rad=0.12",
                shrinkA=28,
                shrinkB=28,
            )
        )
    for domain, (x, y) in places.items():
        count = len(catalog.of_domain(domain))
        axes.text(
            x,
            y,
            f"{domain}\n{count} product{'s' if count != 1 else ''}",
            ha="center",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "#fdfefe", "edgecolor": "#1b4f72"},
        )
    axes.set_title(
        f"{len(catalog.domains)} domains, {len(catalog.products)} products, "
        f"{sum(len(e) for e in catalog.domain_edges.values())} product edges across domains"
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()
