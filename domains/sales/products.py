"""Python-built products of the sales domain: none, every product is a SQL file in sql/."""
