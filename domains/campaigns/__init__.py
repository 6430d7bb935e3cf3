"""The campaigns domain: its products' logic and its code location."""
