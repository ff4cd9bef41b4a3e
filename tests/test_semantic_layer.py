"""MetricFlow answers metric queries over the built marts (DuckDB), from the project's YAML."""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

from goalline.build import dbt_target_dir, run_build
from goalline.paths import PROFILES_DIR, PROJECT_DIR

from landing_builder import Landing


def converting_landing() -> Landing:
    """Two journeys of one campaign on 2026-01-02: one buys 20.0 after an e-mail, one does not.

    The e-mail is A/B-tested (j1 got the original, j2 variant 1), and a random cohort branch put
    j1 on the control path and j2 on the treatment path just before it."""
    landing = Landing()
    ws = "w"
    landing.add("campaigns", workspace_id=ws, campaign_id="c", kind="campaign")
    landing.add(
        "campaign_actions", workspace_id=ws, action_id="a", campaign_id="c", action_type="email"
    )
    landing.add(
        "goal_versions",
        workspace_id=ws,
        campaign_id="c",
        version=1,
        valid_from="2026-01-01 00:00:00",
        goal_type="event",
        event_name="purchase",
        window_days=7,
        basis="received",
        exit_condition="none",
    )
    landing.add(
        "campaign_actions", workspace_id=ws, action_id="b", campaign_id="c", action_type="branch"
    )
    for path, role in enumerate(["control", "treatment"]):
        landing.add(
            "branch_paths",
            workspace_id=ws,
            action_id="b",
            branch_index=path,
            campaign_id="c",
            weight_percent=50,
            role=role,
        )
    for variant, (journey, person) in enumerate([("j1", "p1"), ("j2", "p2")]):
        landing.add(
            "outputs",
            workspace_id=ws,
            output_id=f"o_branch_{journey}",
            subject_name=journey,
            output_type="random_cohort_branch",
            action_id="b",
            branch_index=variant,
            created_at="2026-01-02 00:30:00",
            seq_num=1,
        )
        landing.add(
            "outputs",
            workspace_id=ws,
            output_id=f"o_email_{journey}",
            subject_name=journey,
            output_type="email",
            action_id="a",
            delivery_id=f"d_{journey}",
            split_test_index=variant,
            created_at="2026-01-02 01:00:00",
            seq_num=1,
        )
        landing.add(
            "subjects",
            workspace_id=ws,
            subject_name=journey,
            internal_customer_id=person,
            campaign_id="c",
            started_campaign_at="2026-01-02 00:00:00",
            seq_num=1,
        )
        landing.add(
            "deliveries",
            workspace_id=ws,
            delivery_id=f"d_{journey}",
            internal_customer_id=person,
            subject_id=journey,
            delivery_type="email",
            campaign_id="c",
            action_id="a",
            created_at="2026-01-02 01:00:00",
            seq_num=1,
        )
        landing.add(
            "metrics",
            event_id=f"m_{journey}",
            workspace_id=ws,
            delivery_id=f"d_{journey}",
            metric="sent",
            created_at="2026-01-02 01:00:05",
            seq_num=1,
        )
    landing.add(
        "events",
        workspace_id=ws,
        event_id="e1",
        internal_customer_id="p1",
        name="purchase",
        properties={"revenue": 20.0},
        timestamp="2026-01-03 00:00:00",
        received_at="2026-01-03 00:00:01",
        seq_num=1,
    )
    return landing


def mf_query(env: dict[str, str], out: Path, metrics: str, group_by: str) -> list[dict[str, str]]:
    mf = Path(sys.executable).with_name("mf")
    result = subprocess.run(
        [str(mf), "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with out.open() as handle:
        return list(csv.DictReader(handle))


def test_metricflow_query_on_duckdb(tmp_path: Path) -> None:
    landing_dir = converting_landing().write(tmp_path / "landing")
    db = tmp_path / "w.duckdb"
    run_build(landing_dir, db)
    out = tmp_path / "metrics.csv"
    env = {
        **os.environ,
        "CONVERSIONS_LANDING_DIR": str(landing_dir),
        "CONVERSIONS_DUCKDB_PATH": str(db),
        "DBT_PROFILES_DIR": str(PROFILES_DIR),
    }
    # mf reads the semantic manifest from the project's target/ only, as after `goalline demo`.
    # It describes the models, not the data, so every build writes the same file.
    (PROJECT_DIR / "target").mkdir(exist_ok=True)
    shutil.copy(
        dbt_target_dir(db) / "semantic_manifest.json",
        PROJECT_DIR / "target" / "semantic_manifest.json",
    )
    rows = mf_query(
        env,
        out,
        "conversion_rate,sends_per_conversion,revenue_per_conversion",
        "journey__campaign_id",
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["journey__campaign_id"] == "c"
    assert float(row["conversion_rate"]) == 0.5
    assert float(row["sends_per_conversion"]) == 2.0
    assert float(row["revenue_per_conversion"]) == 20.0
    # Issue 22: the original converted its one send, variant 1 did not; the control journey
    # converted and the treatment journey did not, a lift of -100%.
    variants = mf_query(env, out, "variant_conversion_rate", "variant_delivery__variant")
    assert {
        row["variant_delivery__variant"]: float(row["variant_conversion_rate"]) for row in variants
    } == {
        "0": 1.0,
        "1": 0.0,
    }
    (holdout,) = mf_query(env, out, "holdout_lift", "holdout_assignment__branch_action_id")
    assert holdout["holdout_assignment__branch_action_id"] == "b"
    assert float(holdout["holdout_lift"]) == -1.0
