"""Python-built products of the reviews domain: none, every product of the domain is SQL
(``sql/<product>.sql``)."""
