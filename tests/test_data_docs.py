"""Great Expectations Data Docs: every `goalline check` and every Dagster rule-check run writes
static HTML under the warehouse's target folder, and the failing expectation is named in it."""

import io
import re
from pathlib import Path

import dagster as dg
import pytest
from rich.console import Console
from test_expectations import clean_landing, corrupted
from test_orchestration import check_evaluations, orchestration_defs, with_warehouse

from commands.checks import EXIT_OK, EXIT_RULE_FAILED, check_command
from expectations.data_docs import data_docs_dir, data_docs_index
from goalline.build import run_build

__all__ = ["orchestration_defs"]  # a fixture, used by name

# Rule 7 broken: j1 converts twice (test_expectations' journey-converts-twice corruption).
CONVERTS_TWICE = (
    "insert into marts.fct_conversions select * replace ('second' as conversion_id, 'd1' "
    "as credited_delivery_id, timestamp '2026-01-05 01:01:00' as anchor_at) from "
    "marts.fct_conversions",
)
FAILING_CHECK = "one_conversion_per_journey"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The landing folder and the clean warehouse built from it."""
    workdir = tmp_path_factory.mktemp("data_docs")
    landing = clean_landing().write(workdir / "landing")
    db_path = workdir / "clean.duckdb"
    run_build(landing, db_path)
    return landing, db_path


def run_check(db_path: Path) -> tuple[int, str]:
    buffer = io.StringIO()
    code = check_command(db_path, Console(file=buffer, width=400, highlight=False))
    return code, buffer.getvalue()


def suite_page(docs_dir: Path, suite: str) -> str:
    """The one validation page of the suite in the site (one run per test folder)."""
    site = data_docs_index(docs_dir).parent
    # validations/<suite name split on dots>/<run name>/<run time>/<batch>.html
    pages = list((site / "validations" / Path(*suite.split("."))).glob("*/*/*.html"))
    assert len(pages) == 1, pages
    return pages[0].read_text()


def status(html: str) -> str:
    """The validation's overall status as the page shows it: Succeeded or Failed."""
    found = re.findall(r"Status:</span>\s*<i[^>]*></i>\s*(\w+)", html)
    assert len(found) == 1, found
    return found[0]


def expectation_status(html: str, check: str) -> str:
    """The status icon of the one expectation row naming the check: Failed or Succeeded."""
    assert html.count(f"{check}:") == 1, check
    row = html[html.rindex("<tr>", 0, html.index(f"{check}:")) :]
    icon = re.search(r'<i class="fas fa-([\w-]+) text-(\w+)"', row)
    assert icon is not None, row[:500]
    return {"danger": "Failed", "success": "Succeeded"}[icon.group(2)]


def test_a_corrupted_build_s_data_docs_name_the_failing_expectation(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    _, clean_db = built
    db_path = corrupted(clean_db, tmp_path / "corrupted.duckdb", *CONVERTS_TWICE)
    code, output = run_check(db_path)
    assert code == EXIT_RULE_FAILED
    index = data_docs_index(data_docs_dir(db_path))
    assert f"data docs: {index}" in output
    assert index.is_file()
    assert "credit" in index.read_text()
    credit = suite_page(data_docs_dir(db_path), "credit")
    assert expectation_status(credit, FAILING_CHECK) == "Failed"
    assert expectation_status(credit, "credited_delivery_of_journey") == "Succeeded"
    assert status(credit) == "Failed"


def test_a_clean_run_s_data_docs_show_success(built: tuple[Path, Path], tmp_path: Path) -> None:
    _, clean_db = built
    db_path = corrupted(clean_db, tmp_path / "clean.duckdb")
    code, output = run_check(db_path)
    assert code == EXIT_OK
    assert f"data docs: {data_docs_index(data_docs_dir(db_path))}" in output
    credit = suite_page(data_docs_dir(db_path), "credit")
    assert expectation_status(credit, FAILING_CHECK) == "Succeeded"
    assert status(credit) == "Succeeded"


def test_a_dagster_rule_check_links_its_data_docs_page(
    orchestration_defs: dg.Definitions, built: tuple[Path, Path], tmp_path: Path
) -> None:
    landing, clean_db = built
    db_path = corrupted(clean_db, tmp_path / "corrupted.duckdb", *CONVERTS_TWICE)
    defs = with_warehouse(orchestration_defs, landing, db_path)
    result = defs.resolve_job_def("goalline_checks_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    credit = check_evaluations(result)["gx_credit"]
    assert not credit.passed
    page = Path(credit.metadata["data_docs"].value)
    assert page.is_relative_to(data_docs_dir(db_path))
    assert credit.metadata["data_docs_link"].value == page.resolve().as_uri()
    html = page.read_text()
    assert expectation_status(html, FAILING_CHECK) == "Failed" and status(html) == "Failed"
    assert data_docs_index(data_docs_dir(db_path)).is_file()
