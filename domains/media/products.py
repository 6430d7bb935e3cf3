"""Python-built products of the media domain: none, every product is a SQL file in sql/."""
