"""`dbt docs generate` works, and every model and every built column is described."""

import json

import pytest
from dbt.cli.main import dbtRunner

from goalline.build import dbt_args, dbt_target_dir, release_duckdb, run_build, warehouse_env

from landing_builder import Landing


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    tmp = tmp_path_factory.mktemp("docs")
    landing = Landing()
    landing.add("campaigns", workspace_id="w", campaign_id="c", kind="campaign")
    landing_dir = landing.write(tmp / "landing")
    db = tmp / "w.duckdb"
    run_build(landing_dir, db)
    target = dbt_target_dir(db)
    with warehouse_env(landing_dir, db):
        try:
            result = dbtRunner().invoke(
                dbt_args("docs generate", "--quiet", "--target-path", str(target))
            )
        finally:
            release_duckdb()
    assert result.success, result.exception
    assert (target / "index.html").is_file(), "dbt docs generate wrote no site"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return manifest, catalog


def project_models(manifest: dict) -> dict[str, dict]:
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in {"model", "seed"} and node["package_name"] == "goalline"
    }


def test_every_model_has_a_description(docs: tuple[dict, dict]) -> None:
    manifest, _ = docs
    undescribed = [
        unique_id for unique_id, node in project_models(manifest).items() if not node["description"]
    ]
    assert undescribed == []


def test_every_built_column_is_described(docs: tuple[dict, dict]) -> None:
    manifest, catalog = docs
    undescribed = []
    for unique_id, node in project_models(manifest).items():
        built = catalog["nodes"].get(unique_id)
        assert built is not None, f"{unique_id} is missing from the docs catalog"
        described = {
            name.lower() for name, column in node["columns"].items() if column["description"]
        }
        undescribed += [
            f"{node['name']}.{name}" for name in built["columns"] if name.lower() not in described
        ]
    assert undescribed == []
