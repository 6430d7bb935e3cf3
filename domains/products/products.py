"""Python-built products of the products domain: none, every product of the domain is SQL
(``sql/<product>.sql``)."""
