"""Python-built products of the customers domain."""
