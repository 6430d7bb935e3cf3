"""The bookings domain: its products' logic and its code location."""
