"""The media domain: its products' logic and its code location."""
