"""DAGSTER_HOME for the UI: the user's if set, else .dagster_home/ in the project (gitignored).

The dagster.yaml written there (only when missing, so a user's edits stay) queues runs and gives
the DuckDB pool a single slot at run granularity: a run that writes or reads the warehouse file
starts only when no other such run is in progress (DuckDB allows one writer per file).
"""

import os
import sys
from pathlib import Path
from typing import NoReturn

from orchestration import settings

INSTANCE_CONFIG = f"""\
# Written by orchestration/home.py; edit freely, it is not overwritten.
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    # Every run waits for the next dequeue (default every 5 s); the queue is short.
    dequeue_interval_seconds: 1
concurrency:
  pools:
    # One pool is used: {settings.DUCKDB_POOL}. Every op that opens the DuckDB file claims it.
    default_limit: 1
    # The whole run holds the slot, so steps of two runs never interleave on the file.
    granularity: run
"""


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or settings.DEFAULT_DAGSTER_HOME).resolve()


def ensure_home(home: Path | None = None) -> Path:
    """Create the home and its dagster.yaml if missing; returns the home."""
    home = (home or dagster_home()).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG)
    set_pool_limit(home)
    return home


def set_pool_limit(home: Path) -> None:
    """Record the pool's one slot in the instance now, not on first use.

    The run queue reads configured pools before it applies dagster.yaml's default_limit to a new
    one, so on a fresh instance two runs queued together would both start.
    """
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        if settings.DUCKDB_POOL not in storage.get_concurrency_keys():
            storage.set_concurrency_slots(settings.DUCKDB_POOL, 1)


def ui_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "orchestration",
        "-h",
        host,
        "-p",
        str(port),
    ]


def run_ui(host: str = "127.0.0.1", port: int = 3000) -> NoReturn:
    """Become `dagster dev` (webserver + daemon) on the code location, with DAGSTER_HOME set.

    Replacing this process, not starting a child: whoever stops `goalline ui` (a terminal, a
    service manager, a test) stops dagster dev and, through it, the webserver and the daemon.
    """
    home = ensure_home()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    print(f"DAGSTER_HOME={home}; UI on http://{host}:{port}", flush=True)
    command = ui_command(host, port)
    os.execve(command[0], command, env)
