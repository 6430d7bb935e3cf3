"""Python-built products of the bookings domain: none, every product is a SQL file in sql/."""
