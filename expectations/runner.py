"""Validates every rule suite against a built DuckDB file and reports one result per expectation.

GX 1.x reads nothing back from a DuckDB SQLAlchemy datasource (the result is read after its
connection closes), so each suite's query is read into pandas with duckdb and validated as a
whole-dataframe batch of an ephemeral context. On Postgres and Spark the suites run unchanged on
an in-memory DuckDB copy of the relations they read (`relations_read`).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)
from great_expectations.data_context.types.base import ProgressBarsConfig

from expectations import all_suites
from expectations.data_docs import DataDocs, write_data_docs
from expectations.rule_suite import RuleSuite, Severity
from goalline.connections import duckdb_copy, relation_names
from goalline.targets import Target

SAMPLE_SIZE = 5
# schema.relation in a suite's SQL: the project's schemas only, so aliases never match.
RELATION = re.compile(r"\b(marts|staging|intermediate|audit|rules)\.([a-z_0-9]+)\b")
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 100}


@dataclass(frozen=True)
class RuleResult:
    """One expectation of one suite on one database."""

    suite: str
    check: str
    expectation: str
    rule: str
    severity: Severity
    success: bool
    unexpected_count: int
    sample_keys: tuple[str, ...]
    skipped: bool = False
    error: str | None = None

    @property
    def failed(self) -> bool:
        return not self.success and self.severity is Severity.FAIL

    @property
    def warned(self) -> bool:
        return not self.success and self.severity is Severity.WARN


@dataclass(frozen=True)
class SuitesRun:
    """One RuleResult per expectation of the suites run, and their Data Docs (None: not written)."""

    results: list[RuleResult]
    docs: DataDocs | None = None


def run_suites(
    db_path: Path,
    suites: Sequence[RuleSuite] | None = None,
    target: Target = Target.DUCKDB,
    docs_dir: Path | None = None,
    run_name: str = "goalline-check",
) -> SuitesRun:
    """Run the given suites (default: all) on the target; one RuleResult per expectation.

    DuckDB: the file at db_path, read-only. Postgres and Spark: an in-memory DuckDB copy of the
    relations the suites read, so their SQL runs unchanged. With docs_dir, the run's validation
    results are also written as Data Docs there, under run_name (data_docs.py). `goalline check`,
    the Dagster rule checks and the tests all run the suites through here.
    """
    if target is Target.DUCKDB and not db_path.is_file():
        raise FileNotFoundError(f"database {db_path} does not exist")
    chosen = list(all_suites() if suites is None else suites)
    with duckdb_copy(target, db_path, relations_read(chosen, target, db_path)) as connection:
        frames = [read_frame(connection, rule_suite) for rule_suite in chosen]
    results, validations = validate_frames(chosen, frames)
    if docs_dir is None:
        return SuitesRun(results)
    return SuitesRun(results, write_data_docs(validations, docs_dir, run_name=run_name))


def validate_frames(
    suites: Sequence[RuleSuite], frames: Sequence[pd.DataFrame | None]
) -> tuple[list[RuleResult], list[ExpectationSuiteValidationResult]]:
    """One RuleResult per expectation of each suite on its rows (None: the suite is skipped),
    and the validation result of every suite that ran."""
    context = ephemeral_context()
    results: list[RuleResult] = []
    validations: list[ExpectationSuiteValidationResult] = []
    for rule_suite, frame in zip(suites, frames, strict=True):
        if frame is None:
            results.extend(skipped_results(rule_suite))
        else:
            validation = validate_suite(context, rule_suite, frame)
            validations.append(validation)
            results.extend(to_rule_results(rule_suite, frame, validation))
    return results, validations


def relations_read(suites: Iterable[RuleSuite], target: Target, db_path: Path) -> set[str]:
    """Every schema.relation the suites' SQL names, and every mart of the target (the contact
    details suite reads the catalog of marts): what a copy of the target must hold."""
    named = {
        f"{schema}.{name}" for suite in suites for schema, name in RELATION.findall(suite.query)
    }
    return named | {f"marts.{name}" for name in relation_names(target, "marts", db_path)}


def read_frame(connection: duckdb.DuckDBPyConnection, rule_suite: RuleSuite) -> pd.DataFrame | None:
    """The rows the suite checks; None while a table it requires does not exist yet."""
    if not all(table_exists(connection, table) for table in rule_suite.requires):
        return None
    return connection.execute(rule_suite.query).df().reset_index(drop=True)


def table_exists(connection: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    schema, table = qualified_name.split(".")
    row = connection.execute(
        "select count(*) from information_schema.tables"
        " where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def ephemeral_context() -> Any:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate_suite(
    context: Any, rule_suite: RuleSuite, frame: pd.DataFrame
) -> ExpectationSuiteValidationResult:
    batch_definition = (
        context.data_sources.add_pandas(rule_suite.name)
        .add_dataframe_asset(rule_suite.name)
        .add_batch_definition_whole_dataframe("whole")
    )
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(rule_suite.suite, result_format=RESULT_FORMAT)


def to_rule_results(
    rule_suite: RuleSuite, frame: pd.DataFrame, validation: ExpectationSuiteValidationResult
) -> list[RuleResult]:
    return [to_rule_result(rule_suite, frame, result) for result in validation.results]


def to_rule_result(
    rule_suite: RuleSuite, frame: pd.DataFrame, result: ExpectationValidationResult
) -> RuleResult:
    config = result.expectation_config
    column = config.kwargs.get("column")
    details = result.result or {}
    exception = result.exception_info or {}
    error = exception.get("exception_message") if exception.get("raised_exception") else None
    indices = details.get("partial_unexpected_index_list") or []
    return RuleResult(
        suite=rule_suite.name,
        check=config.meta.get("check", config.type),
        expectation=f"{config.type}({column})" if column else config.type,
        rule=config.meta["rule"],
        severity=rule_suite.severity,
        success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0),
        sample_keys=sample_keys(frame, rule_suite.key_columns, column, indices),
        error=error,
    )


def sample_keys(
    frame: pd.DataFrame, key_columns: Iterable[str], column: str | None, indices: Iterable[int]
) -> tuple[str, ...]:
    """Up to SAMPLE_SIZE distinct keys of offending rows; a non-flag column's value is appended."""
    shown = list(key_columns)
    show_value = (
        column is not None
        and column in frame.columns
        and column not in shown
        and not pd.api.types.is_bool_dtype(frame[column])
    )
    keys: list[str] = []
    for index in indices:
        row = frame.loc[index]
        key = "/".join(str(row[name]) for name in shown)
        if show_value:
            key = f"{key} {column}={row[column]}"
        if key not in keys:
            keys.append(key)
        if len(keys) == SAMPLE_SIZE:
            break
    return tuple(keys)


def skipped_results(rule_suite: RuleSuite) -> list[RuleResult]:
    """A suite whose required table does not exist yet reports its expectations as skipped."""
    return [
        RuleResult(
            suite=rule_suite.name,
            check=expectation.meta.get("check", expectation.expectation_type),
            expectation=expectation.expectation_type,
            rule=expectation.meta["rule"],
            severity=rule_suite.severity,
            success=True,
            unexpected_count=0,
            sample_keys=(),
            skipped=True,
        )
        for expectation in rule_suite.suite.expectations
    ]
