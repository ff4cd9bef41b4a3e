"""Issue 22: the experiment statistics of macros/stats.sql against scipy, to 1e-7 absolute.

The macros are compiled by dbt (the DuckDB target) and the SQL run over a grid of arguments that
reaches both tails of the normal and every chi-squared df from 1 to 19; the same plain arithmetic
runs on Postgres and Spark (tests/test_engines.py compares the marts built with it).
"""

from pathlib import Path

import duckdb
import numpy as np
import pytest
from dbt.cli.main import dbtRunner
from scipy.stats import chi2, norm

from goalline.build import dbt_args, release_duckdb
from goalline.targets import warehouse_env

TOLERANCE = 1e-7
NORMAL_GRID = [*np.linspace(-40.0, 40.0, 16001), -37.5, -37.0, -7.0710678, 7.0710678, 1e-9, 0.0]
CHI2_GRID = [
    1e-17,
    1e-16,
    1e-12,
    1e-6,
    *np.linspace(0.001, 120.0, 2401),
    300.0,
    700.0,
    1399.0,
    1401.0,
]


def compile_inline(sql: str, tmp_path: Path) -> str:
    """The SQL of an inline query with the project's macros expanded (DuckDB target)."""
    (tmp_path / "landing").mkdir(exist_ok=True)
    with warehouse_env(tmp_path / "landing", tmp_path / "w.duckdb"):
        try:
            result = dbtRunner().invoke(
                dbt_args(
                    "compile", "--quiet", "--inline", sql, "--target-path", str(tmp_path / "t")
                )
            )
        finally:
            release_duckdb()
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp_path = tmp_path_factory.mktemp("stats")
    return {
        "normal": compile_inline(
            "select x, {{ normal_cdf('x') }} as cdf, {{ two_sided_p_value('x') }} as p from grid",
            tmp_path,
        ),
        "chi2": compile_inline(
            "select x, df, {{ chi_squared_survival('x', 'df') }} as q from grid", tmp_path
        ),
    }


def run(sql: str, rows: list[tuple], columns: str) -> list[tuple]:
    connection = duckdb.connect()
    connection.execute(f"create table grid ({columns})")
    connection.executemany(f"insert into grid values ({', '.join('?' * len(rows[0]))})", rows)
    return connection.execute(sql).fetchall()


def test_normal_cdf_and_two_sided_p_value(compiled: dict[str, str]) -> None:
    rows = run(compiled["normal"], [(float(x),) for x in NORMAL_GRID], "x double")
    worst_cdf = max(abs(cdf - norm.cdf(x)) for x, cdf, _ in rows)
    worst_p = max(abs(p - 2 * norm.sf(abs(x))) for x, _, p in rows)
    assert worst_cdf < TOLERANCE and worst_p < TOLERANCE, (worst_cdf, worst_p)


def test_chi_squared_survival_for_every_df_to_19(compiled: dict[str, str]) -> None:
    grid = [(float(x), df) for df in range(1, 20) for x in CHI2_GRID]
    rows = run(compiled["chi2"], grid, "x double, df integer")
    errors = {(x, df): abs(q - chi2.sf(x, df)) for x, df, q in rows}
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOLERANCE, (worst, errors[worst])


def test_chi_squared_survival_is_null_outside_its_df(compiled: dict[str, str]) -> None:
    rows = run(compiled["chi2"], [(3.0, 0), (3.0, 20), (None, 2)], "x double, df integer")
    assert [q for _, _, q in rows] == [None, None, None]
