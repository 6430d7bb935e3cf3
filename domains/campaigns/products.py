"""Python-built products of the campaigns domain: none, every product is SQL (``sql/``)."""
