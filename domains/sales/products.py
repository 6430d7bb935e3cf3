"""Python-built products of the sales domain."""
