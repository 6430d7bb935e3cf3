"""Python-built products of the web domain: none, every product is a SQL file in sql/."""
