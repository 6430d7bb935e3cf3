"""The customers domain: its products' logic and its code location."""
