"""Product definitions as the domains write them, read without Dagster.

:mod:`~mesh_platform.definition.reader` reads a domain's SQL files (parsed, macros
expanded by :mod:`~mesh_platform.definition.macros`, qualified against the contracts) and
its Python products' declarations. The governance lint judges what it reads; the product
factories (:mod:`mesh_platform.products`) build assets from definitions the lint passed.
What reading a SQL file costs is paid once per content
(:mod:`~mesh_platform.definition.cache`).
"""
