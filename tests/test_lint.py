"""The code stays lint clean: ruff for Python, sqlfluff (dbt templater) for the models."""

import os
import subprocess
import sys
from pathlib import Path

from goalline.paths import PROJECT_DIR


def run_tool(tool: str, *args: str, env: dict[str, str] | None = None) -> None:
    executable = Path(sys.executable).with_name(tool)
    result = subprocess.run(
        [str(executable), *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_python_is_ruff_clean() -> None:
    run_tool("ruff", "check", ".")
    run_tool("ruff", "format", "--check", ".")


def test_models_are_sqlfluff_clean(tmp_path: Path) -> None:
    # The dbt templater compiles the project, which needs a database file; keep it out of target/.
    env = {**os.environ, "CONVERSIONS_DUCKDB_PATH": str(tmp_path / "lint.duckdb")}
    run_tool("sqlfluff", "lint", "models", "--processes", "2", env=env)
