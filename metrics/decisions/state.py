"""What alerts have said, in SQLite beside the config: each rule fires once per period and says when it recovered."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

from metrics.decisions.errors import DecisionError

_SCHEMA = """
create table if not exists alert_state (
    rule text not null,
    grp text not null,
    period text not null,   -- the period of the last message sent
    firing integer not null,
    sent_at text not null default (datetime('now')),
    primary key (rule, grp)
)
"""


class State:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._con = sqlite3.connect(path)
            self._con.execute(_SCHEMA)
        except sqlite3.Error as err:
            raise DecisionError(f"alert state {path}: {err}") from None

    def close(self) -> None:
        self._con.close()

    def last(self, rule: str, group: str) -> tuple[date, bool] | None:
        """The period and firing flag of the last message for this rule and group, if any."""
        with closing(
            self._con.execute("select period, firing from alert_state where rule = ? and grp = ?", (rule, group))
        ) as cur:
            row = cur.fetchone()
        return (date.fromisoformat(row[0]), bool(row[1])) if row else None

    def record(self, rule: str, group: str, period: date, firing: bool) -> None:
        with self._con:
            self._con.execute(
                "insert into alert_state (rule, grp, period, firing) values (?, ?, ?, ?) "
                "on conflict (rule, grp) do update set period = excluded.period, firing = excluded.firing, "
                "sent_at = datetime('now')",
                (rule, group, period.isoformat(), int(firing)),
            )
