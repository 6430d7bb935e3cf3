"""Python-built products of the telephony domain."""
