"""Code location of the territory domain: assembles, nothing more."""

from mesh_platform.location import domain_definitions

defs = domain_definitions("territory")
