"""The commands above the core: the `goalline` command line and `goalline check`.

They drive the layers below them, the core (`goalline`: connections, targets, landing, load,
publish, paths, ...), the rule suites (`expectations`) and the Dagster code location
(`orchestration`); nothing below imports them (tests/test_lint.py).
"""
