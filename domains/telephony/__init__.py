"""The telephony domain: its products' logic and its code location."""
