"""Python-built products of the telephony domain: none, every product is a SQL file in sql/."""
