"""Rule 4: which deliveries count (channel, action, left the platform)."""

from scenarios.builder import Scenario, ScenarioBuilder


def unattributable_channels() -> Scenario:
    s = ScenarioBuilder(
        "ex_unattributable_channels_fall_back_to_email",
        "rule 4 / docs 000-001: slack, in_app, whatsapp, webhook without opt-in and person-update "
        "actions are never credited; credit falls back to the previous email",
    )
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    later = [
        ("d_slack", "slack", None),
        ("d_in_app", "in_app", None),
        ("d_whatsapp", "whatsapp", None),
        ("d_webhook", "webhook", None),
        # An e-mail typed delivery of a person-update action: the action rule alone excludes it.
        ("d_person_update", "email", "person_update"),
    ]
    s.delivery("d_email", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    for hour, (delivery, channel, action) in enumerate(later, start=2):
        at = f"01-05 0{hour}:00"
        s.delivery(
            delivery,
            journey="j1",
            channel=channel,
            action=action,
            created=at,
            metrics=[("sent", at), ("opened", at)],
        )
    s.event("e1", person="p1", received="01-05 10:00")
    s.expect(
        "fct_conversions",
        {"journey_id": "j1", "credited_delivery_id": "d_email", "credited_channel": "email"},
    )
    s.expect(
        "fct_deliveries",
        {
            "delivery_id": "d_email",
            "channel": "email",
            "is_attributable": True,
            "is_converted": True,
        },
        *[
            {
                "delivery_id": delivery,
                "channel": channel,
                "is_attributable": False,
                "is_converted": False,
            }
            for delivery, channel, _ in later
        ],
    )
    return s.build()


def attributable_channels() -> Scenario:
    s = ScenarioBuilder(
        "r4_sms_push_and_opted_in_webhook_are_credited",
        "rule 4: sms and push always count; webhook only where the action enables "
        "webhook conversions",
    )
    s.campaign_with_goal("c")
    journeys = [
        ("j_sms", "p1", "sms", "sms"),
        ("j_push", "p2", "push", "push"),
        ("j_webhook_on", "p3", "webhook", "webhook_on"),
        ("j_webhook_off", "p4", "webhook", "webhook"),
    ]
    for journey, person, channel, action in journeys:
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(
            f"{journey}_email",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
        s.delivery(
            f"{journey}_{channel}",
            journey=journey,
            channel=channel,
            action=action,
            created="01-05 02:00",
            metrics=[("delivered", "01-05 02:00")],
        )
        s.event(f"e_{journey}", person=person, received="01-05 10:00")
    s.expect(
        "fct_conversions",
        {"journey_id": "j_sms", "credited_delivery_id": "j_sms_sms", "credited_channel": "sms"},
        {"journey_id": "j_push", "credited_delivery_id": "j_push_push", "credited_channel": "push"},
        {
            "journey_id": "j_webhook_on",
            "credited_delivery_id": "j_webhook_on_webhook",
            "credited_channel": "webhook",
        },
        {
            "journey_id": "j_webhook_off",
            "credited_delivery_id": "j_webhook_off_email",
            "credited_channel": "email",
        },
    )
    return s.build()


def undelivered_never_count() -> Scenario:
    s = ScenarioBuilder(
        "ex_undelivered_deliveries_never_count",
        "rule 4 / doc 000: attempted, drafted, failed, bounced, dropped and "
        "undeliverable deliveries "
        "never count, nor one sent only after the occurrence",
    )
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d_ok", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    bad = [
        ("d_attempted", [("attempted", "01-05 02:00")]),
        ("d_drafted", [("drafted", "01-05 02:00")]),
        ("d_failed", [("sent", "01-05 03:00"), ("failed", "01-05 03:01")]),
        ("d_bounced", [("sent", "01-05 04:00"), ("bounced", "01-05 04:05")]),
        ("d_dropped", [("sent", "01-05 05:00"), ("dropped", "01-05 05:01")]),
        ("d_undeliverable", [("delivered", "01-05 06:00"), ("undeliverable", "01-05 06:01")]),
    ]
    for delivery, metrics in bad:
        s.delivery(delivery, journey="j1", created="01-05 02:00", metrics=metrics)
    # Created before the occurrence, but left the platform only after it.
    s.delivery(
        "d_sent_late", journey="j1", created="01-05 08:00", metrics=[("sent", "01-05 10:30")]
    )
    s.event("e1", person="p1", received="01-05 10:00")
    # A journey whose only message bounced cannot convert.
    s.journey("j2", person="p2", campaign="c", start="01-05 00:00")
    s.delivery(
        "d_only_bounced",
        journey="j2",
        created="01-05 01:00",
        metrics=[("sent", "01-05 01:00"), ("bounced", "01-05 01:05")],
    )
    s.event("e2", person="p2", received="01-05 10:00")
    s.expect(
        "fct_journeys",
        {"journey_id": "j1", "credited_delivery_id": "d_ok", "deliveries_sent": 6},
        {"journey_id": "j2", "credited_delivery_id": None, "deliveries_sent": 1},
    )
    s.expect(
        "fct_deliveries",
        {"delivery_id": "d_ok", "left_platform": True},
        *[{"delivery_id": delivery, "left_platform": False} for delivery, _ in bad],
        {"delivery_id": "d_sent_late", "left_platform": True},
        {"delivery_id": "d_only_bounced", "left_platform": False},
    )
    return s.build()


def bounce_after_occurrence() -> Scenario:
    s = ScenarioBuilder(
        "r4_bounce_after_occurrence_does_not_undo",
        "rule 4/8: a failure metric after the occurrence does not undo the conversion",
    )
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery(
        "d1",
        journey="j1",
        created="01-05 01:00",
        metrics=[("sent", "01-05 01:00"), ("bounced", "01-05 11:00")],
    )
    s.event("e1", person="p1", received="01-05 10:00")
    # A failure at the very instant of the occurrence is "at or before" it: no credit.
    s.journey("j2", person="p2", campaign="c", start="01-05 00:00")
    s.delivery(
        "d2",
        journey="j2",
        created="01-05 01:00",
        metrics=[("sent", "01-05 01:00"), ("bounced", "01-05 10:00")],
    )
    s.event("e2", person="p2", received="01-05 10:00")
    s.expect("fct_conversions", {"journey_id": "j1", "credited_delivery_id": "d1"})
    # left_platform in fct_deliveries is as of the build (docs/decisions.md).
    s.expect(
        "fct_deliveries",
        {
            "delivery_id": "d1",
            "left_platform": False,
            "is_converted": True,
            "converted_at": "01-05 10:00",
        },
        {"delivery_id": "d2", "left_platform": False, "is_converted": False, "converted_at": None},
    )
    return s.build()


SCENARIOS = [
    unattributable_channels(),
    attributable_channels(),
    undelivered_never_count(),
    bounce_after_occurrence(),
]
