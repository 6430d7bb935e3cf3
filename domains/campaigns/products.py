"""Python-built products of the campaigns domain."""
