"""Great Expectations Data Docs (static HTML) of every rule-check run, next to the warehouse file.

The suites are validated in an ephemeral context (runner.py); their validation results are then
stored in a file context under `<target folder>/data_docs`, whose default site renders them. The
store keeps earlier runs, so the site's index lists every `goalline check` and Dagster check run
in that folder, and on-call can compare a failing run with the last passing one.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import great_expectations as gx
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
)
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

SITE = "local_site"
# The file context's default site (great_expectations.yml written by gx.get_context).
SITE_DIR = Path("gx") / "uncommitted" / "data_docs" / SITE
BATCH = "whole"


@dataclass(frozen=True)
class DataDocs:
    """The site's index and, per suite validated in this run, its validation page."""

    index: Path
    pages: dict[str, Path]


def data_docs_dir(db_path: Path) -> Path:
    """The Data Docs of a warehouse live in its target folder (the DuckDB file's folder)."""
    return db_path.parent / "data_docs"


def data_docs_index(docs_dir: Path) -> Path:
    return docs_dir / SITE_DIR / "index.html"


def write_data_docs(
    validations: Sequence[ExpectationSuiteValidationResult], docs_dir: Path, run_name: str
) -> DataDocs:
    """Store this run's validation results and rebuild their pages and the site's index."""
    context = gx.get_context(mode="file", project_root_dir=docs_dir)
    run_id = RunIdentifier(run_name=run_name, run_time=datetime.datetime.now(datetime.UTC))
    keys: dict[str, ValidationResultIdentifier] = {}
    for validation in validations:
        label_expectations(validation)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(validation.suite_name),
            run_id=run_id,
            batch_identifier=BATCH,
        )
        context.validation_results_store.set(key, validation)
        keys[validation.suite_name] = key
    context.build_data_docs(site_names=[SITE], resource_identifiers=list(keys.values()))
    return DataDocs(
        index=data_docs_index(docs_dir),
        pages={suite: page_path(context, key) for suite, key in keys.items()},
    )


def label_expectations(validation: ExpectationSuiteValidationResult) -> None:
    """Data Docs render an expectation's description instead of its template: show the check's
    name and the business rule, the words `goalline check` prints, rather than 'values must
    belong to this set: True' for every rule."""
    for result in validation.results:
        config = result.expectation_config
        if config is not None and not config.description and "check" in config.meta:
            config.description = f"{config.meta['check']}: {config.meta['rule']}"


def page_path(context: object, key: ValidationResultIdentifier) -> Path:
    urls = context.get_docs_sites_urls(resource_identifier=key, site_name=SITE)  # type: ignore[attr-defined]
    return Path(unquote(urlparse(urls[0]["site_url"]).path))
