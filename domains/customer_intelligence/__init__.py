"""The customer_intelligence domain: its products' logic and its code location."""
