"""The resorts domain: its products' logic and its code location."""
