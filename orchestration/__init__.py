"""Dagster code location for the goalline warehouse (`dagster dev -m orchestration`)."""

from orchestration.definitions import defs

__all__ = ["defs"]
