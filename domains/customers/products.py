"""Python-built products of the customers domain: none, every product of the domain is SQL
(``sql/<product>.sql``)."""
