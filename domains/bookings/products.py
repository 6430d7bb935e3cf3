"""Python-built products of the bookings domain."""
