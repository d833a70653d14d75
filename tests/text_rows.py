"""Text columns that must become dates or numbers, shared by the SQL (DuckDB, PostgreSQL) and Spark tests:
one bad value sets its row aside, never the whole table."""

from __future__ import annotations

from datetime import date

TEXT_ROWS = [  # (id, order_date, amount): what each text must read as, worked out by hand
    ("1", "2024-02-29", "12.5"),  # a leap day; a decimal amount
    ("2", " 2024-03-01 10:00 ", "1e3"),  # trimmed, time part ignored; 1000.0
    ("3", "not a date", "5"),  # -> cannot read as date
    ("4", "2023-02-29", "5"),  # not a calendar day (2023 is no leap year) -> cannot read as date
    ("5", "2024-04-31", "5"),  # April has 30 days -> cannot read as date
    ("6", "2024-13-01", "5"),  # no month 13 -> cannot read as date
    ("7", "2024-03-02", "abc"),  # -> cannot read as float64
    ("8", "2024-03-03", None),  # a missing amount is no error
]
TEXT_GOOD = [("1", date(2024, 2, 29), 12.5), ("2", date(2024, 3, 1), 1000.0), ("8", date(2024, 3, 3), None)]
TEXT_BAD = [(3, "order_date"), (4, "order_date"), (5, "order_date"), (6, "order_date"), (7, "amount")]
TEXT_COLUMNS = {"order_id": "id", "order_date": "placed"}


def text_values() -> str:
    return ", ".join("(" + ", ".join("NULL" if v is None else f"'{v}'" for v in row) + ")" for row in TEXT_ROWS)
