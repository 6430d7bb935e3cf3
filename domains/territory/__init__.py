"""The territory domain: its products' logic and its code location."""
