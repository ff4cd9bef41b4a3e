"""Issue 12: the same dbt project on Postgres and Spark gives the DuckDB build's rows, row for row.

Every rule scenario (tests/scenarios) and the differential batch (tests/test_differential.py) go
into one landing folder, built once per engine: a Spark build costs seconds per model, so one
build per engine keeps the module to a few minutes. Every checked relation must equal DuckDB's
as a multiset of normalised rows, and the differential marts must also equal the reference.

The Postgres build runs on a private server (fixture `postgres_env`), the Spark build in this
process on a session warehouse (fixture `spark_warehouse`); the CLI is then exercised on each.
"""

import csv
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from dbt.cli.main import dbtRunner
from rich.console import Console
from typer.testing import CliRunner

from commands.cli import app
from goalline.build import dbt_args, dbt_target_dir, first_failure, release_duckdb
from goalline.connections import read_arrow, relation_names
from goalline.landing import contract_tables
from goalline.paths import DEMO_LANDING_DIR
from goalline.summary import print_summary
from goalline.targets import Target, source_schema, warehouse_env

from engines import create_database, multiset
from reference.batch import generate
from reference.compare import differences, read_dbt, read_reference
from reference.strategies import materialize
from scenarios import ALL_SCENARIOS
from scenarios.warehouse import RELATIONS, build_and_read, merged_landing

EXAMPLES = int(os.environ.get("GOALLINE_DIFF_EXAMPLES", "500"))
ENGINES = [Target.POSTGRES, Target.SPARK]
# The `unit_tests:` of models/*/_*__models.yml.
UNIT_TESTS = 6
# The fixture that provides each engine for the session.
ENGINE_FIXTURES = {Target.POSTGRES: "postgres_env", Target.SPARK: "spark_warehouse"}

runner = CliRunner()


class Built:
    """One build of the combined landing folder on one target, its relations read back."""

    def __init__(self, target: Target, db_path: Path, landing_dir: Path) -> None:
        self.target = target
        self.db_path = db_path
        self.landing_dir = landing_dir
        self.tables, self.build_error = build_and_read(landing_dir, db_path, target)


@pytest.fixture(scope="module")
def combined_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = merged_landing(ALL_SCENARIOS)
    for number, rows in enumerate(generate(EXAMPLES)):
        landing.extend(materialize(rows, number))
    return landing.write(tmp_path_factory.mktemp("engines") / "landing")


@pytest.fixture(scope="module")
def duckdb_build(combined_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(Target.DUCKDB, tmp_path_factory.mktemp("duckdb") / "w.duckdb", combined_landing)


@pytest.fixture(scope="module", params=ENGINES, ids=str)
def engine_build(
    request: pytest.FixtureRequest,
    combined_landing: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Built:
    target: Target = request.param
    request.getfixturevalue(ENGINE_FIXTURES[target])
    db_path = tmp_path_factory.mktemp(target.value) / "w.duckdb"
    return Built(target, db_path, combined_landing)


def test_build_passes_every_dbt_test(duckdb_build: Built, engine_build: Built) -> None:
    assert duckdb_build.build_error is None
    assert engine_build.build_error is None


@pytest.mark.parametrize("relation", list(RELATIONS))
def test_relation_equals_duckdb(relation: str, duckdb_build: Built, engine_build: Built) -> None:
    """The relation's rows on the engine are DuckDB's, as a multiset of normalised rows."""
    expected = multiset(duckdb_build.tables[relation])
    actual = multiset(engine_build.tables[relation])
    missing, unexpected = expected - actual, actual - expected
    assert not missing and not unexpected, (
        f"{relation} on {engine_build.target}: {sum(missing.values())} DuckDB row(s) missing, "
        f"{sum(unexpected.values())} unexpected (of {sum(expected.values())})\n"
        f"missing e.g.: {[dict(row) for row in list(missing)[:3]]}\n"
        f"unexpected e.g.: {[dict(row) for row in list(unexpected)[:3]]}"
    )


def test_differential_marts_equal_reference(engine_build: Built) -> None:
    """The differential batch's marts on the engine agree with the Python reference."""
    dbt = read_dbt(engine_build.db_path, engine_build.target)
    reference = read_reference(engine_build.landing_dir)
    found = {
        number: diff for number in range(EXAMPLES) if (diff := differences(dbt, reference, number))
    }
    assert not found, f"{len(found)} example(s) differ, e.g. {next(iter(found.items()))}"


def test_load_replaces_every_landing_table(engine_build: Built) -> None:
    """`goalline load` writes all twelve tables (text, plus landing_file) with every row."""
    result = runner.invoke(
        app,
        ["load", "--landing", str(engine_build.landing_dir), "--target", engine_build.target.value],
    )
    assert result.exit_code == 0, result.output
    tables = contract_tables()
    assert relation_names(engine_build.target, source_schema(), engine_build.db_path) >= {
        table.name for table in tables
    }
    for table in tables:
        loaded = read_arrow(
            engine_build.target, f"select * from {source_schema()}.{table.name}", Path()
        )
        assert loaded.column_names == [*table.columns, "landing_file"]
        assert all(str(field.type) in ("string", "large_string") for field in loaded.schema)
        landed = _csv_rows(engine_build.landing_dir, table.name)
        assert loaded.num_rows == landed, table.name


def _csv_rows(landing_dir: Path, table: str) -> int:
    return sum(
        sum(1 for _ in csv.reader(path.open(newline=""))) - 1
        for path in landing_dir.glob(f"{table}*.csv")
    )


def test_export_equals_duckdb_export(
    duckdb_build: Built, engine_build: Built, tmp_path: Path
) -> None:
    out = {}
    for built in (duckdb_build, engine_build):
        out[built.target] = tmp_path / f"{built.target}.parquet"
        args = ["export", "--target", built.target.value, "--db", str(built.db_path)]
        result = runner.invoke(
            app, [*args, "--mart", "fct_journeys", "--out", str(out[built.target])]
        )
        assert result.exit_code == 0, result.output
    rows = {target: _parquet_rows(path) for target, path in out.items()}
    assert rows[engine_build.target] == rows[Target.DUCKDB]


def _parquet_rows(path: Path) -> Counter[tuple[tuple[str, Any], ...]]:
    import pyarrow.parquet as pq

    return multiset(pq.read_table(path).to_pylist())


def test_check_reports_as_on_duckdb(duckdb_build: Built, engine_build: Built) -> None:
    """`goalline check` on the engine: DuckDB's verdicts; the history is written to the engine."""
    results = {}
    runs = ((duckdb_build, "--no-record-history"), (engine_build, "--record-history"))
    for built, record in runs:
        args = ["check", "--target", built.target.value, "--db", str(built.db_path), record]
        results[built.target] = runner.invoke(app, args)
    ours, theirs = results[Target.DUCKDB], results[engine_build.target]
    for result in (ours, theirs):
        assert " checks: " in result.output, f"{result.exception!r}\n{result.output}"
    assert theirs.exit_code == ours.exit_code, theirs.output
    assert _summary(theirs.output) == _summary(ours.output)
    if theirs.exit_code == 0:
        conversions = len(duckdb_build.tables["fct_conversions"])
        assert f"recorded {conversions} new conversion(s)" in theirs.output
        again = runner.invoke(app, ["check", "--target", engine_build.target.value])
        assert "0 failed" in again.output and "recorded 0 new conversion(s)" in again.output


def _summary(output: str) -> str:
    return next(line for line in output.splitlines() if " checks: " in line)


def test_postgres_indexes_attribute_lookups(engine_build: Built) -> None:
    """The person-attribute lookup of int_event_goal_occurrences_matched has an index on Postgres,
    so its join costs one probe per candidate even when the planner misestimates (docs/scale.md)."""
    if engine_build.target != Target.POSTGRES:
        pytest.skip("dbt-postgres `indexes` config: Postgres only")
    found = read_arrow(
        engine_build.target,
        "select indexdef from pg_indexes where tablename = 'int_person_attributes_ranged'",
        Path(),
    )
    definitions = found.column("indexdef").to_pylist()
    assert any("(person_id, attribute_name, value_from)" in d for d in definitions), definitions


def test_postgres_full_build_leaves_statistics(engine_build: Built) -> None:
    """Postgres plans a model's joins from the statistics of the tables it reads, and a table dbt
    has just created has none until autovacuum gets to it (the 12-minute plans in docs/scale.md):
    after a full build every table it built has been analyzed, whichever post-hook does it
    (refresh_statistics, drop_landing_batch, record_person_batch)."""
    if engine_build.target != Target.POSTGRES:
        pytest.skip("analyze: Postgres only")
    missing = read_arrow(
        engine_build.target,
        "select schemaname, relname from pg_stat_user_tables"
        " where schemaname in ('staging', 'intermediate', 'marts') and last_analyze is null",
        Path(),
    )
    assert missing.num_rows == 0, missing.to_pylist()


# Base models whose batch key is text columns only, and the key's columns (landing_batch_spec).
BATCH_KEYS = {
    "base_cio__people": ["workspace_id", "internal_customer_id"],
    "base_cio__subjects": ["subject_name"],
    "base_cio__outputs": ["output_id"],
    "base_cio__deliveries": ["delivery_id"],
    "base_cio__metrics": ["event_id"],
    "base_tracking__events": ["event_id"],
}


def test_postgres_base_models_find_batch_keys_by_index(engine_build: Built) -> None:
    """A batch's hooks log the people of its keys' rows and delete them by the key expression
    (group_key); on Postgres each base model has an index on that expression, so a daily probes
    the day's keys instead of scanning the table's history (docs/scale.md)."""
    if engine_build.target != Target.POSTGRES:
        pytest.skip("dbt-postgres `indexes` config: Postgres only")
    for model, columns in BATCH_KEYS.items():
        key = " || '|' || ".join(f"coalesce(cast({column} as text), '')" for column in columns)
        plan = read_arrow(
            engine_build.target,
            # Whether an index matches, not which plan the test's few rows make cheaper.
            f"set enable_seqscan = off; explain delete from staging.{model}"
            f" where {key} in (select batch_key from (values ('k')) as keys (batch_key))",
            Path(),
        )
        lines = "\n".join(plan.column(0).to_pylist())
        assert "Index Scan" in lines or "Bitmap Index Scan" in lines, (model, lines)


def test_postgres_statement_shapes(engine_build: Built) -> None:
    """Postgres runs each base model's parses once per row (`typed` fenced by `offset 0`, not
    inlined into the quarantine check that reads each parsed column twice), joins goal candidates
    to their trigger events in a fenced step of its own (planned from the candidates' count, not
    from the one-row estimate of candidates x conditions), and compiles no JIT code for the wide
    reconciliation statement (docs/decisions.md, docs/scale.md)."""
    if engine_build.target != Target.POSTGRES:
        pytest.skip("macros/dialect/fence.sql and without_jit: Postgres only")
    run_dir = dbt_target_dir(engine_build.db_path, engine_build.target) / "run" / "goalline"
    events = (run_dir / "models/staging/base/base_tracking__events.sql").read_text()
    typed = events[events.index("typed as (") : events.index("checked as (")]
    assert "offset 0" in typed
    matched = (run_dir / "models/intermediate/int_event_goal_occurrences_matched.sql").read_text()
    triggered = matched[matched.index("candidates_triggered as (") : matched.index("sides as (")]
    assert "offset 0" in triggered
    manifest = json.loads((run_dir.parent.parent / "manifest.json").read_text())
    hooks = manifest["nodes"]["model.goalline.fct_landing_reconciliation"]["config"]["pre-hook"]
    assert any("without_jit" in hook["sql"] for hook in hooks), hooks


def run_unit_tests(built: Built, target_dir: Path) -> list[str]:
    """dbt's unit tests on the build's warehouse (its relations give the inputs' column types):
    the names of those that passed; an assertion error names the first failure."""
    unit_tests = ["--select", "test_type:unit", "--target-path", str(target_dir)]
    with warehouse_env(None, built.db_path, built.target):
        try:
            result = dbtRunner().invoke(dbt_args("test", "--quiet", *unit_tests))
        finally:
            release_duckdb()
    assert result.success, first_failure(result)
    # The results also hold the project's on-run-start and on-run-end hooks.
    return [r.node.name for r in result.result.results if r.node.resource_type == "unit_test"]


def test_unit_tests_pass_on_duckdb(duckdb_build: Built, tmp_path: Path) -> None:
    """`goalline build` leaves dbt's unit tests out (build.BUILD_COMMAND); they run here."""
    assert len(run_unit_tests(duckdb_build, tmp_path)) == UNIT_TESTS


def test_unit_tests_pass(engine_build: Built, tmp_path: Path) -> None:
    assert len(run_unit_tests(engine_build, tmp_path)) == UNIT_TESTS


def test_build_summary_is_duckdbs(duckdb_build: Built, engine_build: Built) -> None:
    """The summary `goalline build` prints runs its queries on the engine (not on a copy of the
    relations in DuckDB): its tables are the DuckDB build's, value for value."""
    printed = {}
    for built in (duckdb_build, engine_build):
        with open(os.devnull, "w") as nowhere:
            console = Console(record=True, width=200, file=nowhere)
            print_summary(built.db_path, console, built.target)
        printed[built.target] = console.export_text()
    assert "Journeys and conversions per campaign" in printed[Target.DUCKDB]
    assert printed[engine_build.target] == printed[Target.DUCKDB]


def test_cli_on_postgres_demo(
    postgres_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load, build, export and check on Postgres, in a database of their own, on the demo."""
    create_database("cli_demo")
    monkeypatch.setenv("PGDATABASE", "cli_demo")
    landing = ["--landing", str(DEMO_LANDING_DIR)]
    loaded = runner.invoke(app, ["load", *landing, "--target", "postgres"])
    assert loaded.exit_code == 0, loaded.output
    assert "into 12 landing tables on postgres" in loaded.output
    db = ["--db", str(tmp_path / "w.duckdb")]
    built = runner.invoke(app, ["build", *landing, *db, "--target", "postgres"])
    assert built.exit_code == 0, built.output
    assert "Journeys and conversions per campaign" in built.output
    out = tmp_path / "conversions.csv"
    exported = runner.invoke(
        app, ["export", "--target", "postgres", "--mart", "fct_conversions", "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    written = int(exported.output.split("wrote ")[1].split()[0])
    assert written > 0 and len(out.read_text().splitlines()) == written + 1
    checked = runner.invoke(app, ["check", "--target", "postgres"])
    assert checked.exit_code == 0, checked.output
    assert "recorded" in checked.output
    unknown = runner.invoke(
        app, ["export", "--target", "postgres", "--mart", "nope", "--out", str(out)]
    )
    assert unknown.exit_code == 1 and "no mart named nope" in unknown.output


def test_load_names_file_and_missing_column(tmp_path: Path) -> None:
    """A landing file without a required column stops the load before any engine is touched."""
    deliveries = next(table for table in contract_tables() if table.name == "deliveries")
    dropped = deliveries.required[-1]
    kept = [column for column in deliveries.columns if column != dropped]
    path = tmp_path / "deliveries_broken.csv"
    path.write_text(",".join(kept) + "\n" + ",".join("x" for _ in kept) + "\n")
    result = runner.invoke(app, ["load", "--landing", str(tmp_path), "--target", "postgres"])
    assert result.exit_code == 1
    assert f"landing file {path} is missing required column '{dropped}'" in result.output
