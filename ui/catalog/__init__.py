"""The Catalog page's own pieces (data.py: the catalog as tables and text)."""
