"""A copy of the dbt project with planted bugs, to show that a comparison can fail.

A planted bug is a list of text substitutions in the project's files, each of which must match
exactly once: a substitution that no longer matches (the code it targets was rewritten) must
fail loudly rather than leave a correct copy that proves nothing. Build the copy with
`benchmarks.dbt_run.dbt_build(..., project_dir=copy)`; it uses the shipped profile.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from goalline.paths import PROJECT_DIR

# Everything dbt reads from the project; profiles come from the shipped profiles dir.
PROJECT_PARTS = (
    "dbt_project.yml",
    "packages.yml",
    "dependencies.yml",
    "selectors.yml",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "analyses",
    "tests/dbt",
    "dbt_packages",
)


@dataclass(frozen=True)
class Substitution:
    """Replace `old` by `new` in the project file at `path` (relative to the project)."""

    path: str
    old: str
    new: str

    def matches(self, project_dir: Path = PROJECT_DIR) -> int:
        """How many times `old` occurs in the file (0 when the file is missing)."""
        file = project_dir / self.path
        return file.read_text().count(self.old) if file.is_file() else 0


class PlantingFailed(Exception):
    """A substitution did not match exactly once."""


def planted_project(destination: Path, substitutions: list[Substitution]) -> Path:
    """Copy the dbt project into destination, apply the substitutions, return the copy's path."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        elif source.is_file():
            shutil.copy(source, destination / part)
    for substitution in substitutions:
        found = substitution.matches(destination)
        if found != 1:
            raise PlantingFailed(
                f"{substitution.path}: {substitution.old!r} found {found} times, expected once"
            )
        file = destination / substitution.path
        file.write_text(file.read_text().replace(substitution.old, substitution.new))
    return destination
