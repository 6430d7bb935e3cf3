"""Python-built products of the web domain."""
