"""Python-built products of the territory domain."""
