"""The sales domain: its products' logic and its code location."""
