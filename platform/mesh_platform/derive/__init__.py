"""Every representation of a product derived from its contract, by pure functions.

One module per representation: ``pandera_schema``, ``dagster_metadata``, ``ddl``,
``checks``, ``json_schema``, ``odcs``, ``openlineage_facets`` (``sqltypes`` maps
logical types to each SQL dialect). Import the module you need.
"""
