"""The `goalline` command line: build the warehouse from a landing folder, or from the demo data."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from commands.checks import check_command
from goalline.build import BuildError, run_build
from goalline.connections import target_errors
from goalline.errors import error_line
from goalline.experiments_report import print_experiments
from goalline.export import ExportError, export_mart
from goalline.freshness import landing_freshness
from goalline.landing import LandingError, validate_landing_dir
from goalline.load import load_landing
from goalline.paths import DEFAULT_DB_PATH, DEMO_LANDING_DIR
from goalline.publish import DEFAULT_WAIT_SECONDS, WAIT_ENV, WarehouseBusy
from goalline.spark_server import (
    DEFAULT_PORT,
    SparkServerError,
    server_for_warehouse,
    start_server,
    stop_server,
)
from goalline.summary import print_summary
from goalline.targets import SPARK_REMOTE_ENV, TARGET_ENV, Target

app = typer.Typer(
    help="Conversion warehouse for lifecycle messaging: Customer.io exports in, "
    "journey, conversion-window and attribution marts out (DuckDB, Postgres or Spark).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

LandingOption = Annotated[
    Path,
    typer.Option(
        "--landing",
        help="Landing folder with <table>*.parquet / <table>*.csv files in the contract's shape.",
    ),
]
DbOption = Annotated[
    Path,
    typer.Option("--db", help="DuckDB file to build into; created if missing."),
]
TargetOption = Annotated[
    Target,
    typer.Option(
        "--target",
        envvar=TARGET_ENV,
        help="Engine: duckdb (the --db file), postgres (libpq's PG* variables) or spark "
        "(a local session, warehouse under CONVERSIONS_SPARK_WAREHOUSE; with SPARK_REMOTE, that "
        "Spark Connect server: `goalline spark-server start`).",
    ),
]
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait-seconds",
        envvar=WAIT_ENV,
        help="How long to wait for another build (or check) of the same DuckDB file to finish "
        "before giving up with an error.",
    ),
]


class ServerAction(StrEnum):
    START = "start"
    STOP = "stop"


def _fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def _build(
    landing: Path | None,
    db: Path,
    full_refresh: bool,
    target: Target = Target.DUCKDB,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    dbt_vars: str | None = None,
) -> None:
    try:
        if landing is not None:
            validate_landing_dir(landing)
        run_build(
            landing,
            db,
            target=target,
            full_refresh=full_refresh,
            dbt_vars=dbt_vars,
            show_progress=True,
            wait_seconds=wait_seconds,
            on_wait=lambda message: errors.print(message, highlight=False, soft_wrap=True),
        )
    except (LandingError, BuildError, WarehouseBusy) as error:
        _fail(str(error))
    except target_errors(target) as error:
        _fail(error_line(error))
    except OSError as error:
        # Disk full, no permission on the database's folder: the OS says which file.
        _fail(f"cannot build {db}: {error}")


@app.command()
def build(
    landing: Annotated[
        Path | None,
        typer.Option(
            "--landing",
            help="Landing folder with <table>*.parquet / <table>*.csv files in the contract's "
            "shape. Without it, the landing tables in place (schema: var goalline_source_schema).",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB_PATH,
    target: TargetOption = Target.DUCKDB,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incremental models from scratch.")
    ] = False,
    wait_seconds: WaitOption = DEFAULT_WAIT_SECONDS,
    dbt_vars: Annotated[
        str | None,
        typer.Option(
            "--vars",
            help="dbt vars as YAML, e.g. '{processing_start: 2026-01-05, processing_end: "
            "2026-01-06}' to rebuild one processing-time range.",
        ),
    ] = None,
) -> None:
    """Build every model (landing, staging, intermediate, marts) on TARGET from LANDING, or
    without --landing from the landing tables already in the warehouse.

    DuckDB: into DB, marts then readable with any DuckDB client as marts.<model>. Postgres and
    Spark: LANDING is loaded into the landing tables first (`goalline load`); marts in schema
    (Spark: database) marts.

    DuckDB builds a private copy of DB and replaces DB with it only when the build succeeded:
    readers holding DB open keep their snapshot, and a failed build leaves DB as it was.
    """
    _build(landing, db, full_refresh, target, wait_seconds, dbt_vars)
    built = db if target is Target.DUCKDB else target.value
    console.print(f"built [bold]{built}[/] from {landing or 'the landing tables in place'}")
    print_summary(db, console, target)


@app.command()
def load(
    landing: LandingOption,
    target: TargetOption = Target.POSTGRES,
) -> None:
    """Bring the twelve landing tables of a Postgres or Spark target up to LANDING's files:
    only files not loaded before, or changed since, are read (goalline_loaded_files).

    Every contract column is loaded as text, with landing_file naming each row's file; the
    schema is CONVERSIONS_SOURCE_SCHEMA (default landing). A table without files lands empty.
    """
    if target is Target.DUCKDB:
        _fail("duckdb reads the landing folder directly; load is for --target postgres or spark")
    try:
        rows = load_landing(landing, target)
    except (LandingError, *target_errors(target)) as error:
        _fail(str(error))
    console.print(f"loaded {sum(rows.values())} rows into {len(rows)} landing tables on {target}")


@app.command()
def demo(
    db: Annotated[
        Path, typer.Option("--db", help="DuckDB file to build the demo into.")
    ] = DEFAULT_DB_PATH,
    landing: Annotated[
        Path, typer.Option("--landing", help="Where to write the demo landing files.")
    ] = DEMO_LANDING_DIR,
    seed: Annotated[int, typer.Option(help="Seed of the deterministic demo generator.")] = 7,
    wait_seconds: WaitOption = DEFAULT_WAIT_SECONDS,
) -> None:
    """Generate the deterministic demo landing data, build it, and print a summary."""
    from goalline.demo import write_demo_landing

    counts = write_demo_landing(landing, seed=seed)
    console.print(f"wrote demo landing data to {landing}: {sum(counts.values())} rows")
    _build(landing, db, full_refresh=True, wait_seconds=wait_seconds)
    console.print(f"built [bold]{db}[/]")
    print_summary(db, console)
    print_experiments(db, console)


@app.command()
def export(
    mart: Annotated[str, typer.Option("--mart", help="Mart name, e.g. fct_conversions.")],
    out: Annotated[Path, typer.Option("--out", help="Output file: .csv or .parquet.")],
    db: DbOption = DEFAULT_DB_PATH,
    target: TargetOption = Target.DUCKDB,
) -> None:
    """Write one mart (marts.<MART>) of a built warehouse to a CSV or parquet file."""
    try:
        rows = export_mart(db, mart, out, target)
    except (ExportError, *target_errors(target)) as error:
        _fail(str(error))
    console.print(f"wrote {rows} rows of marts.{mart} to {out}")


@app.command()
def check(
    db: DbOption = DEFAULT_DB_PATH,
    target: TargetOption = Target.DUCKDB,
    record_history: Annotated[
        bool,
        typer.Option(
            "--record-history/--no-record-history",
            help="After a passing check, append the conversions to audit.conversion_history.",
        ),
    ] = True,
    wait_seconds: WaitOption = DEFAULT_WAIT_SECONDS,
) -> None:
    """Run every Great Expectations rule suite on a built warehouse; exit 1 when a rule fails.

    Each failing rule is printed with its count and a sample of offending keys; warnings
    (deliveries after an expected exit) are printed but do not fail. Exit 2: the warehouse
    cannot be checked (missing, or another build held it longer than --wait-seconds). Every run
    writes Great Expectations Data Docs (HTML) in data_docs/ beside DB and prints their index.
    """
    code = check_command(
        db, console, record_history=record_history, target=target, wait_seconds=wait_seconds
    )
    raise typer.Exit(code=code)


@app.command()
def status(
    landing: Annotated[
        Path | None,
        typer.Option(
            "--landing",
            help="Landing folder to read (DuckDB); without it, the landing tables in place.",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB_PATH,
    target: TargetOption = Target.DUCKDB,
) -> None:
    """Print each landing table's newest processing time and whether it is late; exit 1 if one is.

    Late means past the warning threshold of `dbt source freshness` (vars
    goalline_freshness_warn_minutes, default 45, and goalline_freshness_error_minutes, 360).
    """
    try:
        tables = landing_freshness(landing, db, target)
    except (BuildError, WarehouseBusy, *target_errors(target)) as error:
        _fail(error_line(error))
    for table in tables:
        newest = table.newest.isoformat(sep=" ", timespec="seconds") if table.newest else "never"
        verdict = f"[bold red]late ({table.status})[/]" if table.late else "[green]on time[/]"
        console.print(f"{table.table:<22} newest {newest:<26} {verdict}")
    raise typer.Exit(code=1 if any(table.late for table in tables) else 0)


@app.command("spark-server")
def spark_server(
    action: Annotated[ServerAction, typer.Argument(help="start or stop")],
    port: Annotated[int, typer.Option(help="Port of the server on 127.0.0.1.")] = DEFAULT_PORT,
) -> None:
    """Start (or stop) a Spark Connect server on the Spark warehouse, for --target spark.

    With SPARK_REMOTE set to the address `start` prints, builds, loads, checks and exports are
    its clients: the JVM stays warm between builds, and several commands (a build and a check,
    on-call's reruns) can use the warehouse at once, which the local session's metastore does not
    allow. Warehouse: CONVERSIONS_SPARK_WAREHOUSE; the server's log is under it.
    """
    server = server_for_warehouse(port)
    try:
        if action is ServerAction.STOP:
            stopped = stop_server(server)
            console.print("Spark server stopped" if stopped else "no Spark server was running")
            return
        start_server(server)
    except SparkServerError as error:
        _fail(str(error))
    # One line, never wrapped: it is meant to be copied.
    console.print(
        f"Spark server running; use it with: export {SPARK_REMOTE_ENV}={server.remote}",
        soft_wrap=True,
    )


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI on 127.0.0.1.")] = 3000,
) -> None:
    """Start the Dagster UI and daemon (`dagster dev`) on 127.0.0.1 for the orchestration code.

    DAGSTER_HOME is the environment's if set, else .dagster_home/ in the project, created with
    a dagster.yaml that serialises every run touching the DuckDB file. The landing folder and
    database come from CONVERSIONS_LANDING_DIR and CONVERSIONS_DUCKDB_PATH (default: the demo).
    """
    # Imported here: loading Dagster takes seconds and the other commands do not need it.
    from orchestration.home import run_ui

    run_ui(port=port)
