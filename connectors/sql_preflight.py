"""One direct login before connectorx reads from PostgreSQL or MySQL/MariaDB.

connectorx's connection pool retries a refused login or an unreachable server for about 30 s before it
gives up (sfu-db/connector-x#710), per table and per page load: a mistyped password froze the dashboard.
One plain connection (pg8000 or PyMySQL, both pure Python) fails at once with the server's own words.
Only answers that cannot change on a retry stop the read here; anything else is left to connectorx.
"""

from __future__ import annotations

import ssl

from sqlalchemy.engine import URL

TIMEOUT_S = 10
# SQLSTATEs that a retry cannot fix: wrong password, unknown role or database.
_FINAL = {"28P01": "password authentication failed", "3D000": "database does not exist"}


class LoginFailed(Exception):
    """The server refused or could not be reached: the message is safe to show (no password)."""


def check_postgres(url: URL) -> None:
    """Raise LoginFailed when `url`'s server is unreachable or refuses the login for good."""
    import pg8000.native
    from pg8000.exceptions import DatabaseError, InterfaceError

    if not url.host:
        return  # a Unix socket (or libpq's defaults): left to connectorx, which reads them its own way
    mode = str(url.query.get("sslmode", "prefer"))
    tries = [_ssl_context(mode), None] if mode in ("allow", "prefer") else [_ssl_context(mode)]
    for context in tries:
        try:
            pg8000.native.Connection(
                user=url.username or "postgres",
                password=url.password,
                host=url.host,
                port=url.port or 5432,
                database=url.database,
                ssl_context=context,
                timeout=TIMEOUT_S,
            ).close()
            return
        except DatabaseError as exc:
            fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
            if fields.get("C") in _FINAL:
                raise LoginFailed(str(fields.get("M") or _FINAL[fields["C"]])) from None
            return  # anything else: connectorx reads and reports it as it is
        except (AttributeError, TypeError):
            if url.password is None:  # pg8000 fails this way when the server asks for a password not given
                raise LoginFailed("the server asks for a password and none was given") from None
            raise
        except InterfaceError as exc:
            if "refuses SSL" in str(exc):
                if len(tries) > 1:
                    continue  # "prefer": the server has no SSL, so log in without it, as libpq would
                raise LoginFailed(f"the server offers no SSL, which sslmode={mode} asks for") from None
            if "connection" in str(exc).lower():
                raise LoginFailed(f"no answer from {url.host}:{url.port or 5432}") from None
            return


# MySQL error codes a retry cannot fix: access denied (login, database), unknown database, no server.
_MYSQL_FINAL = {1044, 1045, 1049, 2003, 2005}


def check_mysql(url: URL) -> None:
    """Raise LoginFailed when `url`'s MySQL/MariaDB server is unreachable or refuses the login for good."""
    import pymysql

    if not url.host:
        return  # a Unix socket: left to connectorx
    try:
        pymysql.connect(
            host=url.host,
            port=url.port or 3306,
            user=url.username or "",
            password=url.password or "",
            database=url.database,
            connect_timeout=TIMEOUT_S,
        ).close()
    except pymysql.err.OperationalError as exc:
        code, message = (*exc.args, "")[:2]
        if code in _MYSQL_FINAL:
            raise LoginFailed(str(message)) from None
    except (pymysql.err.MySQLError, RuntimeError):
        return  # e.g. a server that insists on TLS: connectorx reads and reports it as it is


def _ssl_context(mode: str) -> ssl.SSLContext | None:
    """libpq's sslmode: disable = none; allow/prefer/require = encrypted, unverified; verify-* = verified."""
    if mode == "disable":
        return None
    context = ssl.create_default_context()
    if mode not in ("verify-ca", "verify-full"):
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    elif mode == "verify-ca":
        context.check_hostname = False
    return context
