"""Helper scripts (run as `python scripts/<name>.py`; importable for the tests)."""
