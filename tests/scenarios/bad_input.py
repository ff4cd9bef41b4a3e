"""Contract section 2: every kind of bad row is quarantined with its reason, duplicates are
superseded, and a clock-skewed event (timestamp after received_at) is valid and kept."""

from typing import Any

from scenarios.builder import Scenario, ScenarioBuilder, expand_time

NAME = "bad_rows"


def bad_rows() -> Scenario:
    s = ScenarioBuilder(
        NAME, "contract section 2: quarantine reasons, supersession, reconciliation"
    )
    ws = s.ws
    quarantined: list[tuple[str, str | None, str]] = []

    def bad(table: str, key: str | None, reason: str, **row: Any) -> None:
        s.raw(table, **row)
        quarantined.append((table, key, reason))

    # The good rows: one journey converted by a clock-skewed event.
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    delivery = {
        "workspace_id": ws,
        "delivery_id": s.id("d1"),
        "internal_customer_id": s.id("p1"),
        "subject_id": s.id("j1"),
        "delivery_type": "email",
        "campaign_id": s.id("c"),
        "action_id": s.action_id("c", "email"),
        "created_at": expand_time("01-05 01:00"),
    }
    s.raw("deliveries", **delivery, seq_num=1)
    s.raw("deliveries", **delivery, seq_num=2)  # re-sent: superseded
    s.expect_superseded("deliveries", 1)
    metric = {
        "event_id": s.id("m_sent"),
        "workspace_id": ws,
        "delivery_id": s.id("d1"),
        "metric": "sent",
        "created_at": expand_time("01-05 01:00"),
    }
    s.raw("metrics", **metric, seq_num=1)
    s.raw("metrics", **metric, seq_num=3)
    s.expect_superseded("metrics", 1)
    event = {
        "workspace_id": ws,
        "event_id": s.id("e_skew"),
        "internal_customer_id": s.id("p1"),
        "name": "purchase",
        "properties": "{}",
        "timestamp": expand_time("01-06 10:00"),
        "received_at": expand_time("01-05 10:00"),
    }
    s.raw("events", **event, seq_num=1)
    s.raw("events", **event, seq_num=2)
    s.expect_superseded("events", 1)
    s.raw("people", workspace_id=ws, customer_id="p1", internal_customer_id=s.id("p1"), seq_num=2)
    s.expect_superseded("people", 1)

    # Re-sent rows that differ: the highest seq_num wins, whatever the file order.
    s.journey("j2", person="p2", campaign="c", start="01-05 00:00")
    resent = {
        **delivery,
        "delivery_id": s.id("d2"),
        "internal_customer_id": s.id("p2"),
        "subject_id": s.id("j2"),
    }
    s.raw("deliveries", **{**resent, "delivery_type": "email", "seq_num": 5})
    s.raw("deliveries", **{**resent, "delivery_type": "slack", "seq_num": 4})
    s.expect_superseded("deliveries", 1)
    s.raw(
        "metrics", **{**metric, "event_id": s.id("m_d2"), "delivery_id": s.id("d2"), "seq_num": 1}
    )
    purchase = {**event, "event_id": s.id("e_resent"), "internal_customer_id": s.id("p2")}
    s.raw("events", **{**purchase, "received_at": expand_time("01-05 09:00"), "seq_num": 1})
    s.raw("events", **{**purchase, "received_at": expand_time("01-05 11:00"), "seq_num": 3})
    s.raw("events", **{**purchase, "received_at": expand_time("01-05 07:00"), "seq_num": 2})
    s.expect_superseded("events", 2)
    # A bad re-send does not replace the good row it re-sends (docs/decisions.md).
    s.raw(
        "metrics",
        **{
            **metric,
            "event_id": s.id("m_d2_open"),
            "delivery_id": s.id("d2"),
            "metric": "opened",
            "created_at": expand_time("01-05 02:00"),
            "seq_num": 1,
        },
    )
    bad(
        "metrics",
        "m_d2_open",
        "unparseable_timestamp:created_at",
        **{
            **metric,
            "event_id": s.id("m_d2_open"),
            "delivery_id": s.id("d2"),
            "metric": "opened",
            "created_at": "02:00 tomorrow",
            "seq_num": 2,
        },
    )

    # deliveries
    bad("deliveries", None, "null_key", **{**delivery, "delivery_id": None, "seq_num": 1})
    bad(
        "deliveries",
        "d_bad_time",
        "unparseable_timestamp:created_at",
        **{**delivery, "delivery_id": s.id("d_bad_time"), "created_at": "yesterday", "seq_num": 1},
    )
    bad(
        "deliveries",
        "d_no_time",
        "missing_timestamp:created_at",
        **{**delivery, "delivery_id": s.id("d_no_time"), "created_at": None, "seq_num": 1},
    )
    bad(
        "deliveries",
        "d_fax",
        "unknown_delivery_type",
        **{**delivery, "delivery_id": s.id("d_fax"), "delivery_type": "fax", "seq_num": 1},
    )
    bad(
        "deliveries",
        "d_bad_seq",
        "invalid_seq_num",
        **{**delivery, "delivery_id": s.id("d_bad_seq"), "seq_num": "first"},
    )

    # metrics
    bad(
        "metrics",
        "m_unknown",
        "unknown_metric",
        **{**metric, "event_id": s.id("m_unknown"), "metric": "exploded", "seq_num": 1},
    )
    bad(
        "metrics",
        "m_orphan",
        "orphan_metric:delivery_not_found",
        **{**metric, "event_id": s.id("m_orphan"), "delivery_id": s.id("d_missing"), "seq_num": 1},
    )
    # The delivery exists in landing but was quarantined: the metric has no delivery either.
    bad(
        "metrics",
        "m_of_fax",
        "orphan_metric:delivery_not_found",
        **{**metric, "event_id": s.id("m_of_fax"), "delivery_id": s.id("d_fax"), "seq_num": 1},
    )
    bad("metrics", None, "null_key", **{**metric, "event_id": None, "seq_num": 1})
    bad(
        "metrics",
        "m_bad_time",
        "unparseable_timestamp:created_at",
        **{**metric, "event_id": s.id("m_bad_time"), "created_at": "13/45/2026", "seq_num": 1},
    )

    # events
    bad(
        "events",
        "e_array",
        "properties_not_json_object",
        **{**event, "event_id": s.id("e_array"), "properties": "[1, 2]", "seq_num": 1},
    )
    bad(
        "events",
        "e_text",
        "properties_not_json_object",
        **{**event, "event_id": s.id("e_text"), "properties": "total=20", "seq_num": 1},
    )
    bad("events", None, "null_key", **{**event, "event_id": None, "seq_num": 1})
    bad(
        "events",
        "e_bad_received",
        "unparseable_timestamp:received_at",
        **{**event, "event_id": s.id("e_bad_received"), "received_at": "soon", "seq_num": 1},
    )
    bad(
        "events",
        "e_no_received",
        "missing_timestamp:received_at",
        **{**event, "event_id": s.id("e_no_received"), "received_at": None, "seq_num": 1},
    )

    # goal_versions: window_days outside 1-90, a conflict, an exact duplicate
    goal = {
        "workspace_id": ws,
        "version": 1,
        "valid_from": expand_time("01-01 00:00"),
        "goal_type": "event",
        "event_name": "purchase",
        "window_days": 7,
        "basis": "received",
        "exit_condition": "none",
    }
    for campaign, window in [("c_w0", 0), ("c_w91", 91), ("c_wtext", "seven")]:
        bad(
            "goal_versions",
            f"{ws}|{campaign}|1",
            "window_days_out_of_range",
            **{**goal, "campaign_id": s.id(campaign), "window_days": window},
        )
    for window in (7, 14):
        bad(
            "goal_versions",
            f"{ws}|c_conflict|1",
            "config_conflict",
            **{**goal, "campaign_id": s.id("c_conflict"), "window_days": window},
        )
    bad(
        "goal_versions",
        f"{ws}|c_bad_from|1",
        "unparseable_timestamp:valid_from",
        **{**goal, "campaign_id": s.id("c_bad_from"), "valid_from": "jan 1st"},
    )
    s.raw("goal_versions", **{**goal, "campaign_id": s.id("c")})  # exact duplicate of c's version 1
    s.expect_superseded("goal_versions", 1)

    # campaigns and actions
    campaign = {
        "workspace_id": ws,
        "campaign_id": s.id("c"),
        "name": "c",
        "kind": "campaign",
        "created_at": expand_time("01-01 00:00"),
    }
    s.raw("campaigns", **campaign)
    s.expect_superseded("campaigns", 1)
    for name in ("first name", "second name"):
        bad(
            "campaigns",
            f"{ws}|c_twice",
            "config_conflict",
            **{**campaign, "campaign_id": s.id("c_twice"), "name": name},
        )
    bad(
        "campaigns",
        f"{ws}|c_blast",
        "unknown_campaign_kind",
        **{**campaign, "campaign_id": s.id("c_blast"), "kind": "blast"},
    )
    bad(
        "campaign_actions",
        f"{ws}|a_maybe",
        "unparseable_boolean:webhook_conversions_enabled",
        workspace_id=ws,
        action_id=s.id("a_maybe"),
        campaign_id=s.id("c"),
        action_type="webhook",
        webhook_conversions_enabled="maybe",
    )

    # subjects, segment memberships, attributes, outputs, people
    subject = {
        "workspace_id": ws,
        "internal_customer_id": s.id("p1"),
        "campaign_id": s.id("c"),
        "started_campaign_at": expand_time("01-05 00:00"),
        "seq_num": 1,
    }
    bad("subjects", None, "null_key", **subject)
    bad(
        "subjects",
        "j_bad_start",
        "unparseable_timestamp:started_campaign_at",
        **{**subject, "subject_name": s.id("j_bad_start"), "started_campaign_at": "tomorrow"},
    )
    bad(
        "segment_memberships",
        f"{ws}|p1|s1|{expand_time('01-05 00:00')}|joined",
        "unknown_segment_action",
        workspace_id=ws,
        internal_customer_id=s.id("p1"),
        segment_id=s.id("s1"),
        occurred_at=expand_time("01-05 00:00"),
        action="joined",
        seq_num=1,
    )
    bad(
        "attributes",
        f"{ws}|p1|plan|never",
        "unparseable_timestamp:timestamp",
        workspace_id=ws,
        internal_customer_id=s.id("p1"),
        attribute_name="plan",
        attribute_value="pro",
        timestamp="never",
        seq_num=1,
    )
    bad(
        "outputs",
        None,
        "null_key",
        workspace_id=ws,
        subject_name=s.id("j1"),
        created_at=expand_time("01-05 00:00"),
        seq_num=1,
    )
    bad(
        "outputs",
        "o_bad_time",
        "unparseable_timestamp:created_at",
        workspace_id=ws,
        output_id=s.id("o_bad_time"),
        subject_name=s.id("j1"),
        created_at="later",
        seq_num=1,
    )
    bad("people", ws, "null_key", workspace_id=ws, customer_id="nobody", seq_num=1)

    s.expect(
        "stg_quarantine",
        *[
            {"table_name": table, "row_key": key, "quarantine_reason": reason}
            for table, key, reason in quarantined
        ],
    )
    # The skewed event is valid: it converts the journey, judged by its received_at.
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j1",
            "occurrence_id": "e_skew",
            "converted_at": "01-05 10:00",
            "occurred_at_claimed": "01-06 10:00",
            "credited_delivery_id": "d1",
        },
        {
            "journey_id": "j2",
            "occurrence_id": "e_resent",
            "converted_at": "01-05 11:00",
            "occurred_at_claimed": "01-06 10:00",
            "credited_delivery_id": "d2",
        },
    )
    s.expect(
        "fct_deliveries",
        {"delivery_id": "d1", "channel": "email", "first_opened_at": None},
        {"delivery_id": "d2", "channel": "email", "first_opened_at": "01-05 02:00"},
    )
    return s.build()


SCENARIOS = [bad_rows()]
