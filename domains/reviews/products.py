"""Python-built products of the reviews domain."""
