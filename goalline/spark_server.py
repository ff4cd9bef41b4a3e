"""A long-running Spark Connect server with the dbt profile's settings, for builds on Spark.

A local session (dbt-spark's `session` method without SPARK_REMOTE) starts a JVM in every
`goalline build` and pays its warm-up each time, and its embedded Derby metastore admits one
process at a time. The server is started once with the profile's settings (warehouse, metastore,
time zone, memory); with SPARK_REMOTE set to its address, dbt-spark and goalline's own Spark code
(load, summary, checks, export) are its clients, as many at once as want.

It is the Spark Connect server pyspark ships (`sbin/start-connect-server.sh` in the wheel), run as
a daemon whose pid and log live under the warehouse folder.
"""

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from goalline.connections import spark_parameters
from goalline.targets import SPARK_WAREHOUSE_ENV, spark_warehouse

DEFAULT_PORT = 15002
# A cold JVM, the Hive client and the metastore's first access: about 10 s on 2 cores.
START_TIMEOUT_SECONDS = 120.0
# SIGTERM to exit: the metastore's and the session's shutdown, a few seconds.
STOP_TIMEOUT_SECONDS = 60.0


class SparkServerError(Exception):
    """The server did not start or stop; the message says why and where its log is."""


@dataclass(frozen=True)
class SparkServer:
    """The server of a warehouse folder (absolute): its pid and log in `connect_server/` there,
    and the port it listens on."""

    warehouse: Path
    port: int = DEFAULT_PORT

    @property
    def folder(self) -> Path:
        return self.warehouse / "connect_server"

    @property
    def remote(self) -> str:
        """The SPARK_REMOTE value for clients of this server."""
        return f"sc://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path | None:
        logs = sorted(self.folder.glob("spark-*SparkConnectServer*.out"))
        return logs[-1] if logs else None


def server_for_warehouse(port: int = DEFAULT_PORT) -> SparkServer:
    """The server of the warehouse CONVERSIONS_SPARK_WAREHOUSE names (the profile's default)."""
    return SparkServer(spark_warehouse(), port)


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def _environment(server: SparkServer) -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_HOME": str(_spark_home()),
        "SPARK_LOG_DIR": str(server.folder),
        "SPARK_PID_DIR": str(server.folder),
    }


def server_conf(server: SparkServer) -> list[str]:
    """The profile's Spark settings for the server's warehouse as its `--conf` arguments.

    The profile's default warehouse is relative (dbt reads it from its working folder); the server
    runs in its own folder, so the warehouse is passed absolute. Settings outside `spark.*` (the
    Derby metastore's `javax.jdo.*`) are Hadoop settings to a server: spark-submit ignores them
    unless they carry the `spark.hadoop.` prefix.
    """
    variables = {**os.environ, SPARK_WAREHOUSE_ENV: str(server.warehouse)}
    arguments = ["--conf", "spark.sql.catalogImplementation=hive"]
    for key, value in spark_parameters(variables).items():
        name = key if key.startswith("spark.") else f"spark.hadoop.{key}"
        arguments += ["--conf", f"{name}={value}"]
    return arguments


def listening(server: SparkServer) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", server.port)) == 0


def start_server(server: SparkServer, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Start the server as a daemon and wait until it accepts clients."""
    if listening(server):
        raise SparkServerError(f"port {server.port} is in use: a server is running already?")
    server.folder.mkdir(parents=True, exist_ok=True)
    script = _spark_home() / "sbin" / "start-connect-server.sh"
    # This machine only: the server has no authentication, and clients name 127.0.0.1.
    address = ["--conf", "spark.connect.grpc.binding.address=127.0.0.1"]
    port = ["--conf", f"spark.connect.grpc.binding.port={server.port}"]
    arguments = [str(script), *server_conf(server), *address, *port]
    # Its working folder takes what Spark and Derby write beside it (derby.log).
    completed = subprocess.run(
        arguments,
        env=_environment(server),
        cwd=server.folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SparkServerError(f"could not start the Spark server: {completed.stderr.strip()}")
    deadline = time.monotonic() + timeout
    while not listening(server):
        if time.monotonic() > deadline or _server_pid(server) is None:
            stop_server(server)
            raise SparkServerError(
                f"the Spark server did not start listening on port {server.port}; see {server.log}"
            )
        time.sleep(0.5)


def stop_server(server: SparkServer, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Stop the server of this folder and wait until it has exited (its tables stay in the
    warehouse); False when none was running."""
    pid = _server_pid(server)
    if pid is None:
        return False
    # The script sends SIGTERM and returns; the JVM then closes the metastore and the port.
    script = _spark_home() / "sbin" / "stop-connect-server.sh"
    subprocess.run([str(script)], env=_environment(server), capture_output=True, check=False)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            raise SparkServerError(f"the Spark server (pid {pid}) did not exit; see {server.log}")
        time.sleep(0.2)
    return True


def _server_pid(server: SparkServer) -> int | None:
    """The pid of this folder's running server, from the pid file spark-daemon.sh writes; none
    when that process is gone, or the pid now belongs to another program (a stale file)."""
    pid_files = sorted(server.folder.glob("spark-*SparkConnectServer*.pid"))
    if not pid_files:
        return None
    try:
        pid = int(pid_files[-1].read_text().strip())
    except ValueError:
        return None
    command = _proc_text(pid, "cmdline")
    if command is not None and "SparkConnectServer" not in command:
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # An exited server that no init has reaped yet (a container without one) is a zombie: gone.
    stat = _proc_text(pid, "stat")
    return stat is None or stat.rpartition(")")[2].split()[0] != "Z"


def _proc_text(pid: int, name: str) -> str | None:
    """/proc/<pid>/<name> on Linux; None where there is no /proc or the process is gone."""
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes().decode(errors="replace")
    except OSError:
        return None
