"""The web domain: its products' logic and its code location."""
