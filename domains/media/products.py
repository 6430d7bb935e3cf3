"""Python-built products of the media domain."""
