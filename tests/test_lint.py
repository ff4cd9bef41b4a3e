"""The code stays lint clean: ruff for Python, sqlfluff (dbt templater) for the models; the
packages import each other only downwards (core, then rule suites and Dagster, then commands)."""

import ast
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
    # The dbt templater compiles the project, which needs a database file; both stay out of the
    # project's target/, where MetricFlow reads the semantic manifest in the other test worker.
    env = {
        **os.environ,
        "CONVERSIONS_DUCKDB_PATH": str(tmp_path / "lint.duckdb"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
    }
    run_tool("sqlfluff", "lint", "models", "--processes", "2", env=env)


# The layers, lowest first: the core (connections, targets, landing, load, publish, paths, ...),
# then the rule suites and the Dagster code location over it, then the commands driving them.
CORE = "goalline"
ABOVE_CORE = ("orchestration", "expectations", "commands")
COMMANDS = "commands"


def imported_packages(path: Path) -> set[str]:
    """The top-level package of every import in the file, lazy (inside functions) and
    TYPE_CHECKING ones included; relative imports are the file's own package."""
    tree = ast.parse(path.read_text(), filename=str(path))
    packages: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                packages.add(path.relative_to(PROJECT_DIR).parts[0])
            elif node.module is not None:
                packages.add(node.module.split(".")[0])
    return packages


def imports_of(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(PROJECT_DIR)} imports {name}"
        for path in (PROJECT_DIR / package).rglob("*.py")
        for name in imported_packages(path) & set(forbidden)
    )


def test_the_core_imports_nothing_above_it() -> None:
    assert imports_of(CORE, ABOVE_CORE) == []


def test_nothing_below_the_commands_imports_them() -> None:
    for package in (CORE, "orchestration", "expectations"):
        assert imports_of(package, (COMMANDS,)) == []


def test_the_layer_check_sees_lazy_imports() -> None:
    """The check reads imports inside functions, where the old CLI reached up to Dagster."""
    assert {"orchestration", "typing"} <= imported_packages(PROJECT_DIR / "commands" / "cli.py")
