"""Python-built products of the resorts domain."""
