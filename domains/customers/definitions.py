"""Code location of the customers domain: assembles, nothing more."""

from mesh_platform.location import domain_definitions

defs = domain_definitions("customers")
