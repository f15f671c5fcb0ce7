"""A generated big office (`cli.py seed-office`): years of work next to the demo data, for measuring the portal at size."""
