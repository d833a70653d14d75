"""The Overview page's own pieces (data.py)."""
