"""Code location of the telephony domain: assembles, nothing more."""

from mesh_platform.location import domain_definitions

defs = domain_definitions("telephony")
