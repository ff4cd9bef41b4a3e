"""Issue 25 item 4: Spark builds through a long-running Spark Connect server.

`goalline spark-server start` runs the server pyspark ships with the profile's settings on a
warehouse folder; with SPARK_REMOTE set, `goalline build --target spark` and the commands that
read the warehouse are its clients. Everything here runs as a user would: the CLI in separate
processes, against a real server (no local session in this process), on the demo landing folder.
The server's metastore is its own, so several clients work at once, which two processes on the
local session's embedded Derby metastore cannot.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from goalline.paths import DEMO_LANDING_DIR
from goalline.spark_server import SparkServer, listening
from goalline.targets import SPARK_REMOTE_ENV, SPARK_WAREHOUSE_ENV

from engines import free_port, multiset

GOALLINE = str(Path(sys.executable).parent / "goalline")
# Marts of every kind: per journey, per delivery, per campaign-day (an aggregate), experiments.
MARTS = [
    "fct_journeys",
    "fct_conversions",
    "fct_deliveries",
    "fct_campaign_daily",
    "fct_ab_test_variants",
    "fct_holdout_lift",
]


def goalline(
    arguments: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GOALLINE, *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def cli_env(warehouse: Path | str) -> dict[str, str]:
    """This process's environment for the CLI on that warehouse, without SPARK_REMOTE."""
    env = {key: value for key, value in os.environ.items() if key != SPARK_REMOTE_ENV}
    env[SPARK_WAREHOUSE_ENV] = str(warehouse)
    return env


def client_env(server: SparkServer) -> dict[str, str]:
    """The environment of a client of the server."""
    return {**cli_env(server.warehouse), SPARK_REMOTE_ENV: server.remote}


@pytest.fixture(scope="module")
def server(java: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkServer]:
    running = SparkServer(tmp_path_factory.mktemp("spark_server"), free_port())
    env = cli_env(running.warehouse)
    started = goalline(["spark-server", "start", "--port", str(running.port)], env)
    assert started.returncode == 0, started.stdout + started.stderr
    assert f"{SPARK_REMOTE_ENV}=sc://127.0.0.1:{running.port}" in started.stdout
    try:
        yield running
    finally:
        goalline(["spark-server", "stop", "--port", str(running.port)], env)


@pytest.fixture(scope="module")
def duckdb_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("duckdb") / "demo.duckdb"
    built = goalline(
        ["build", "--landing", str(DEMO_LANDING_DIR), "--db", str(db)], dict(os.environ)
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return db


@pytest.fixture(scope="module")
def spark_demo(server: SparkServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo built on Spark through the server; the --db path names its dbt artifacts."""
    db = tmp_path_factory.mktemp("spark") / "demo.duckdb"
    arguments = ["build", "--target", "spark", "--landing", str(DEMO_LANDING_DIR), "--db", str(db)]
    built = goalline(arguments, client_env(server))
    assert built.returncode == 0, built.stdout + built.stderr
    # The server holds the profile's settings; dbt-spark setting them again is not news to a user.
    assert "Failed to set spark" not in built.stderr
    return db


def test_build_through_the_server_equals_duckdb(
    server: SparkServer, spark_demo: Path, duckdb_demo: Path, tmp_path: Path
) -> None:
    """Each mart, exported from Spark by clients running at the same time (on the local
    session's metastore all but one would fail), is DuckDB's."""
    exports = {
        mart: subprocess.Popen(
            [
                GOALLINE,
                "export",
                "--target",
                "spark",
                "--mart",
                mart,
                "--out",
                f"{tmp_path / mart}.parquet",
            ],
            env=client_env(server),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for mart in MARTS
    }
    for mart, process in exports.items():
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, f"{mart}: {output}"
    with duckdb.connect(str(duckdb_demo), read_only=True) as connection:
        for mart in MARTS:
            expected = multiset(
                connection.execute(f"select * from marts.{mart}").to_arrow_table().to_pylist()
            )
            actual = multiset(pq.read_table(f"{tmp_path / mart}.parquet").to_pylist())
            assert expected, f"{mart} is empty on DuckDB: the comparison would prove nothing"
            assert actual == expected, f"{mart} on Spark through the server differs from DuckDB's"


def test_server_writes_the_warehouse_a_local_session_reads(
    server: SparkServer, spark_demo: Path
) -> None:
    """The server's metastore and tables are the warehouse folder's, where a local session (no
    SPARK_REMOTE) and a later server find them."""
    assert (server.warehouse / "metastore_db").is_dir()
    assert (server.warehouse / "warehouse" / "marts.db" / "fct_conversions").is_dir()


def test_start_refuses_a_port_in_use(server: SparkServer) -> None:
    again = goalline(
        ["spark-server", "start", "--port", str(server.port)], cli_env(server.warehouse)
    )
    assert again.returncode == 1
    assert f"port {server.port} is in use" in again.stderr


def test_stop_stops_the_server(tmp_path: Path) -> None:
    """Its own server, so the module's keeps serving the other tests. Started from another folder
    with the warehouse relative to it, as the profile's default `target/spark` is: the server runs
    in its own folder, so it must be given the warehouse's absolute path."""
    own = SparkServer(tmp_path / "warehouse", free_port())
    env = cli_env("warehouse")
    started = goalline(["spark-server", "start", "--port", str(own.port)], env, cwd=tmp_path)
    assert started.returncode == 0, started.stdout + started.stderr
    assert listening(own)
    # spark-daemon.sh writes the server's command line at the top of its log.
    command = own.log.read_text() if own.log else ""
    assert f"spark.sql.warehouse.dir={own.warehouse / 'warehouse'}" in command
    assert f"databaseName={own.warehouse / 'metastore_db'}" in command
    # No authentication on the server: it listens on this machine only.
    assert "spark.connect.grpc.binding.address=127.0.0.1" in command
    stopped = goalline(["spark-server", "stop", "--port", str(own.port)], env, cwd=tmp_path)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not listening(own)


def test_stop_leaves_alone_a_stale_pid_file(tmp_path: Path) -> None:
    """A pid file left by a server long gone, its pid now another program's (here this test's
    own process): nothing is stopped, and stop says no server was running."""
    own = SparkServer(tmp_path / "warehouse", free_port())
    own.folder.mkdir(parents=True)
    pid_file = (
        own.folder / "spark-root-org.apache.spark.sql.connect.service.SparkConnectServer-1.pid"
    )
    pid_file.write_text(str(os.getpid()))
    stopped = goalline(["spark-server", "stop", "--port", str(own.port)], cli_env(own.warehouse))
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "no Spark server was running" in stopped.stdout
