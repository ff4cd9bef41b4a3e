"""The one DbtProject of the code location and the translator that names its assets.

Asset keys and groups come from dbt itself: the key is [schema, model] with the schema the model
is configured to build into (staging, intermediate, marts, audit), the group is the model's top
folder (staging, intermediate, marts, audit, semantic). The nodes tagged `daily` (landing views,
base models, the staging views over them, rule seeds) are not assets of their own but one, the
processing-day batch (orchestration/dbt_assets.py).
"""

import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject
from dbt.cli.main import dbtRunner

from goalline.build import dbt_args
from goalline.paths import PROFILES_DIR, PROJECT_DIR
from orchestration.freshness import freshness_policy

# Not target/: other tools (plain `dbt build`, goalline builds) write their manifest there.
MANIFEST_TARGET = Path("target", "dagster")
# What `dbt parse` reads: a change to any of them makes the manifest stale.
PROJECT_SOURCES = ("dbt_project.yml", "models", "macros", "seeds", "tests/dbt", "profiles")
LANDING_FILES_PREFIX = "landing_files"
DAILY_TAG = "daily"
DAILY_SELECT = f"tag:{DAILY_TAG}"
DAILY_BATCH_KEY = dg.AssetKey(["staging", "daily_batch"])
# Models in this top folder are what BI reads: they carry the freshness policy.
MARTS_FOLDER = "marts"

goalline_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROFILES_DIR,
    target_path=MANIFEST_TARGET,
)


def dbt_executable() -> str:
    """dbt of this environment, also when the venv's bin/ is not on PATH."""
    return shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")


def parse_manifest() -> Path:
    """`dbt parse` into target/dagster (in process), for prepare_manifest when it is stale."""
    result = dbtRunner().invoke(
        dbt_args("parse", "--quiet", "--target-path", str(PROJECT_DIR / MANIFEST_TARGET))
    )
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return goalline_project.manifest_path


def manifest_is_stale(manifest: Path) -> bool:
    """True when the manifest is missing or older than a file of the dbt project."""
    if not manifest.exists():
        return True
    parsed = manifest.stat().st_mtime_ns
    for source in PROJECT_SOURCES:
        path = PROJECT_DIR / source
        files = path.rglob("*") if path.is_dir() else [path] if path.exists() else []
        if any(found.stat().st_mtime_ns > parsed for found in files):
            return True
    return False


def prepare_manifest() -> Path:
    """A manifest for the definitions, re-parsed only when the project changed since: the code
    server picks up edited models on reload, and each run worker (which loads the definitions
    too) starts without a dbt parse of its own, about 5 s."""
    if manifest_is_stale(goalline_project.manifest_path):
        parse_manifest()
    return goalline_project.manifest_path


def landing_files_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([LANDING_FILES_PREFIX, table])


class GoallineTranslator(DagsterDbtTranslator):
    """Keys [schema, name], groups from the folder, the freshness policy on the marts."""

    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        # fqn: [project, folder, ..., name]; a model at the root of models/ has no folder.
        return fqn[1] if len(fqn) > 2 else "default"

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        fqn = props.get("fqn") or []
        if props.get("resource_type") == "model" and fqn[1:2] == [MARTS_FOLDER]:
            return spec.replace_attributes(freshness_policy=freshness_policy())
        return spec
