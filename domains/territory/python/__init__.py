"""Python-built products of the territory domain, one module per product, named like it.

``prospection_zones.py`` declares ``territory.prospection_zones`` (``@python_product``)
and holds its model. A module whose name starts with an underscore would hold what the
domain's Python products share; it is not a product.
"""
