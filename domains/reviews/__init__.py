"""The reviews domain: its products' logic and its code location."""
