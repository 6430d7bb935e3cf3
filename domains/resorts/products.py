"""Python-built products of the resorts domain: none, every product of the domain is SQL
(``sql/<product>.sql``)."""
