"""Product factories: a SQL file or a Python function becomes a governed Dagster asset."""
