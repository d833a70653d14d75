"""The Retention page's own pieces: its data shaping (data.py) and charts (charts.py, where it has any)."""
