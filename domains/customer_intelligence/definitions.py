"""Code location of the customer_intelligence domain: assembles, nothing more."""

from mesh_platform.location import domain_definitions

defs = domain_definitions("customer_intelligence")
