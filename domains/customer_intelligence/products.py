"""Python-built products of the customer_intelligence domain."""
