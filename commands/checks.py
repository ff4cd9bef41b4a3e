"""`goalline check`: run the Great Expectations rule suites on a built database.

Prints every failing rule with its count and a few offending keys, and warnings the same way;
returns the process exit code: 0 when no rule fails (warnings included), 1 when one does, 2 when
the database cannot be checked. Every run also writes Great Expectations Data Docs (static HTML)
under the target folder and prints the index's path. After a run without failures the
conversions are appended to audit.conversion_history, so later checks prove none of them changes
or disappears.

On Postgres and Spark the suites run unchanged (DuckDB SQL) on an in-memory DuckDB copy of the
relations they read, and the history is appended to the target's own audit.conversion_history.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from rich.console import Console
from rich.markup import escape

from goalline.connections import duckdb_copy, target_errors
from goalline.publish import WarehouseBusy, exclusive, working_copy
from goalline.targets import Target

if TYPE_CHECKING:
    from expectations.runner import RuleResult

EXIT_OK = 0
EXIT_RULE_FAILED = 1
EXIT_CANNOT_CHECK = 2


def check_command(
    db_path: Path,
    console: Console | None = None,
    record_history: bool = True,
    target: Target = Target.DUCKDB,
    wait_seconds: float | None = None,
) -> int:
    """Run every rule suite on the target, print failures and warnings, return the exit code.

    On DuckDB, recording the history writes the file: the whole check then holds the writers'
    lock (waiting up to wait_seconds for a build), so the conversions recorded are the ones
    checked, and the history is written to a working copy published like a build's.
    """
    out = console or Console(highlight=False)
    if target is Target.DUCKDB and not db_path.is_file():
        out.print(
            f"[bold red]error:[/] database {escape(str(db_path))} does not exist", soft_wrap=True
        )
        return EXIT_CANNOT_CHECK
    with ExitStack() as stack:
        if target is Target.DUCKDB and record_history:
            try:
                stack.enter_context(exclusive(db_path, wait_seconds))
            except WarehouseBusy as error:
                out.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
                return EXIT_CANNOT_CHECK
        return _check(db_path, out, record_history, target)


def _check(db_path: Path, out: Console, record_history: bool, target: Target) -> int:
    # Imported here: Great Expectations takes seconds to import, and the CLI module imports this.
    from expectations.data_docs import data_docs_dir, data_docs_index
    from expectations.history import (
        HISTORY_RELATIONS,
        append_to_target,
        record_conversion_history,
    )
    from expectations.runner import run_suites

    _quiet_great_expectations()
    where = str(db_path) if target is Target.DUCKDB else target.value
    docs_dir = data_docs_dir(db_path)
    try:
        results = run_suites(db_path, target=target, docs_dir=docs_dir).results
    except target_errors(target) as error:
        first_line = str(error).splitlines()[0]
        message = f"cannot check {where}: {first_line}"
        out.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
        return EXIT_CANNOT_CHECK
    for result in results:
        if result.failed:
            out.print(f"[bold red]FAIL[/] {escape(format_result(result))}", soft_wrap=True)
        elif result.warned:
            out.print(f"[bold yellow]WARN[/] {escape(format_result(result))}", soft_wrap=True)
    out.print(summary_line(results), soft_wrap=True)
    out.print(f"data docs: {escape(str(data_docs_index(docs_dir)))}", soft_wrap=True)
    if any(result.failed for result in results):
        return EXIT_RULE_FAILED
    if record_history:
        if target is Target.DUCKDB:
            with (
                working_copy(db_path) as working_db,
                duckdb.connect(str(working_db)) as connection,
            ):
                added = record_conversion_history(connection)
        else:
            with duckdb_copy(target, db_path, HISTORY_RELATIONS) as connection:
                added = append_to_target(connection, target)
        out.print(f"recorded {added} new conversion(s) in audit.conversion_history")
    return EXIT_OK


def format_result(result: RuleResult) -> str:
    """One rule's outcome: suite, check, count, the rule's text and a few offending keys."""
    if result.error:
        return f"{result.suite} {result.check}: could not run: {result.error}\n    {result.rule}"
    lines = [
        f"{result.suite} {result.check}: {result.unexpected_count} offending row(s)",
        f"    {result.rule}",
    ]
    if result.sample_keys:
        lines.append(f"    e.g. {', '.join(result.sample_keys)}")
    return "\n".join(lines)


def summary_line(results: list[RuleResult]) -> str:
    failed = sum(result.failed for result in results)
    warned = sum(result.warned for result in results)
    skipped = sum(result.skipped for result in results)
    passed = len(results) - failed - warned - skipped
    line = f"{len(results)} checks: {passed} passed, {warned} warning(s), {failed} failed"
    if skipped:
        line += f", {skipped} skipped (no conversion history yet)"
    return line


def _quiet_great_expectations() -> None:
    """GX sets INFO on its own loggers (its ephemeral context's temp folders, ...).

    On-call staff want the failing rules only.
    """
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)
