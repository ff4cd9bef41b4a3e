"""Many scenarios in one landing folder and one dbt build, compared example by example.

A dbt build costs seconds, so scenarios are not built one at a time: each gets its own workspace
and id prefix, all share one build, and the comparison is per example. Shrinking a failing
scenario works the same way: every candidate reduction of one round is a workspace of one build.
"""

import shutil
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from goalline.build import run_build

from landing_builder import Landing
from reference.compare import differences, examples, read_dbt, read_reference
from reference.strategies import Row, materialize, scenarios


def generate(count: int, seed: int | None = None) -> list[list[Row]]:
    """`count` scenarios drawn by hypothesis; derandomized (the same batch every run) by default."""
    collected: list[list[Row]] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=seed is None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(scenarios())
    def collect(rows: list[Row]) -> None:
        collected.append(rows)

    if seed is not None:
        collect = hypothesis_seed(seed)(collect)
    collect()
    return collected


def build_and_compare(batch: list[list[Row]], workdir: Path) -> dict[int, list[str]]:
    """Build every scenario of the batch in one dbt run; differences per example number."""
    landing_dir = workdir / "landing"
    if landing_dir.exists():
        shutil.rmtree(landing_dir)
    landing = Landing()
    for number, rows in enumerate(batch):
        landing.extend(materialize(rows, number))
    landing.write(landing_dir)
    db_path = workdir / "differential.duckdb"
    db_path.unlink(missing_ok=True)
    run_build(landing_dir, db_path, full_refresh=True)
    dbt, reference = read_dbt(db_path), read_reference(landing_dir)
    found = {}
    for number in sorted(examples(dbt, reference)):
        diff = differences(dbt, reference, number)
        if diff:
            found[number] = diff
    return found


def shrink(rows: list[Row], workdir: Path, max_rounds: int = 10) -> list[Row]:
    """A smaller scenario that still differs: delta debugging with one dbt build per round.

    A round tries, as separate workspaces of one build, removing every chunk at every granularity
    (halves, quarters, ... single rows) and removing together all rows whose single removal kept
    the difference in the previous round; it keeps the smallest candidate that still differs and
    stops when no single row can go (or after max_rounds).
    """
    current = list(rows)
    removable: list[Row] = []
    for _ in range(max_rounds):
        candidates = []
        if len(removable) > 1:
            together = [row for row in current if row not in removable]
            half = removable[: len(removable) // 2]
            candidates += [together, [row for row in current if row not in half]]
        size = len(current) // 2
        while size >= 1:
            for start in range(0, len(current), size):
                candidates.append(current[:start] + current[start + size :])
            size //= 2
        if not candidates:
            break
        found = build_and_compare(candidates, workdir)
        if not found:
            break
        singles = len(candidates) - len(current)
        removable = [current[n - singles] for n in found if n >= singles]
        current = min((candidates[n] for n in found), key=len)
        removable = [row for row in removable if row in current]
    return current


def describe(rows: list[Row]) -> str:
    """The scenario as landing rows, one per line, to paste into a fixture test."""
    return "\n".join(f"{table}: {row}" for table, row in rows)
