"""Throwaway engines for the tests: a private Postgres server, a Spark warehouse folder, and rows
as every engine should agree on them.

The Postgres server is Debian's (`initdb`/`pg_ctl` on PATH or under /usr/lib/postgresql/*/bin),
initialised in a temp folder with trust authentication, listening on 127.0.0.1 at a free port,
its socket in the same folder, fsync off. initdb refuses to run as root, so as root the server
runs as the `postgres` OS user, in a folder that user owns.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

POSTGRES_USER = "postgres"


class EngineUnavailable(Exception):
    """The engine's programs are not installed; the message says what to install."""


def install_debian_package(package: str) -> None:
    """apt-get install, for a CI machine that lacks an engine the image usually has."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise EngineUnavailable(f"{package} is missing: apt-get install -y {package}")
    install = subprocess.run(
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " + package,
        shell=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if install.returncode != 0:
        raise EngineUnavailable(f"apt-get install {package} failed: {install.stderr[-300:]}")


def _installed_postgres() -> Path | None:
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return installed[-1].parent if installed else None


def postgres_bin_dir() -> Path:
    """The folder of initdb and pg_ctl: PATH first, else the newest Debian install (installed
    with apt-get when missing)."""
    found = _installed_postgres()
    if found is None:
        install_debian_package("postgresql")
        found = _installed_postgres()
    if found is None:
        raise EngineUnavailable("Postgres server programs (initdb, pg_ctl) not found")
    return found


def ensure_java() -> None:
    """Spark's local session needs a JVM (OpenJDK 17 on the image; installed when missing)."""
    if shutil.which("java") is None:
        install_debian_package("openjdk-17-jre-headless")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """Root runs the server programs as the postgres OS user (initdb refuses root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", POSTGRES_USER, "--", *command]


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


@contextmanager
def postgres_server() -> Iterator[dict[str, str]]:
    """Start a private server; yield the libpq variables that reach it; stop and remove it."""
    bin_dir = postgres_bin_dir()
    # Not pytest's tmp_path: its parents are private to root, and the server may run as postgres.
    root = Path(tempfile.mkdtemp(prefix="goalline_pg_"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, user=POSTGRES_USER, group=POSTGRES_USER)
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root}"
        " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        # Every query that can run in parallel does, as big tables would in production: a
        # function that is not safe in a parallel worker fails here, not only at scale.
        " -c force_parallel_mode=on"
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", POSTGRES_USER,
              "-E", "UTF8", "--locale=C", "--no-sync"])  # fmt: skip
        _run([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"])
        try:
            yield {
                "PGHOST": "127.0.0.1",
                "PGPORT": str(port),
                "PGUSER": POSTGRES_USER,
                "PGDATABASE": "postgres",
            }
        finally:
            _run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def create_database(name: str) -> None:
    """A new empty database on the server the libpq variables point at."""
    from goalline.connections import postgres_connection

    connection = postgres_connection()
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'create database "{name}"')
    finally:
        connection.close()


def canonical(value: Any) -> Any:
    """A value as every engine should agree on it: numbers as rounded floats (bigint or double,
    numeric or decimal alike), JSON text with sorted keys and no spacing differences."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 9)
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


def multiset(rows: list[dict[str, Any]]) -> Counter[tuple[tuple[str, Any], ...]]:
    """Rows as a multiset of normalised (column, value) tuples."""
    return Counter(tuple(sorted((k, canonical(v)) for k, v in row.items())) for row in rows)
