"""The products domain: its products' logic and its code location."""
