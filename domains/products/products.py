"""Python-built products of the products domain."""
