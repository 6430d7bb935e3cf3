"""Code location of the bookings domain: assembles, nothing more."""

from mesh_platform.location import domain_definitions

defs = domain_definitions("bookings")
