"""Draft deed versions (concept-akte): publish, compare, comment and approve (issue 17 item 1)."""
