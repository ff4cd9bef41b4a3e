"""The two report marts on a real build: the platform reconciliation and the newsletter report."""

from scenarios.builder import Scenario, ScenarioBuilder, expand_time

SENT = ("sent", "01-05 01:00")


def platform_reconciliation() -> Scenario:
    """Every classification of fct_platform_conversion_reconciliation, one delivery each."""
    s = ScenarioBuilder(
        "rp1_platform_reconciliation",
        "the platform's converted metric next to ours: agree, ours_only and each platform_only "
        "reason; a delivery the platform marks converted twice is one row",
    )
    s.campaign_with_goal("c", window_days=1)
    s.campaign("nogoal")
    s.campaign_with_goal("seg", goal_type="segment_entered", segment="s1")
    converted = ("converted", "01-05 05:00")

    def journey(name: str, person: str, campaign: str = "c") -> None:
        s.journey(name, person=person, campaign=campaign, start="01-05 00:00")

    journey("j_agree", "p1")
    s.delivery("d_agree", journey="j_agree", created="01-05 01:00", metrics=[SENT, converted])
    s.event("e1", person="p1", received="01-05 04:00")
    journey("j_ours", "p2")
    s.delivery("d_ours", journey="j_ours", created="01-05 01:00", metrics=[SENT])
    s.event("e2", person="p2", received="01-05 04:00")
    journey("j_slack", "p3")
    s.delivery(
        "d_slack", journey="j_slack", channel="slack", created="01-05 01:00",
        metrics=[SENT, converted],
    )  # fmt: skip
    s.event("e3", person="p3", received="01-05 04:00")
    journey("j_unsent", "p4")
    s.delivery("d_unsent", journey="j_unsent", created="01-05 01:00", metrics=[converted])
    s.event("e4", person="p4", received="01-05 04:00")
    journey("j_nogoal", "p5", campaign="nogoal")
    s.delivery("d_nogoal", journey="j_nogoal", created="01-05 01:00", metrics=[SENT, converted])
    s.segment("p6", "s1", "entered", "01-04 00:00")
    journey("j_segmet", "p6", campaign="seg")
    s.delivery("d_segmet", journey="j_segmet", created="01-05 01:00", metrics=[SENT, converted])
    journey("j_other", "p7")
    s.delivery("d_other1", journey="j_other", created="01-05 01:00", metrics=[SENT, converted])
    s.delivery(
        "d_other2", journey="j_other", channel="sms", created="01-05 02:00",
        metrics=[("sent", "01-05 02:00")],
    )  # fmt: skip
    s.event("e7", person="p7", received="01-05 04:00")
    journey("j_noocc", "p8")
    s.delivery("d_noocc", journey="j_noocc", created="01-05 01:00", metrics=[SENT, converted])
    journey("j_outside", "p9")
    s.delivery("d_outside", journey="j_outside", created="01-05 01:00", metrics=[SENT, converted])
    s.event("e9", person="p9", received="01-07 04:00")
    journey("j_twice", "p10")
    s.delivery(
        "d_twice", journey="j_twice", created="01-05 01:00",
        metrics=[SENT, converted, ("converted", "01-05 06:00")],
    )  # fmt: skip
    s.event("e10", person="p10", received="01-05 04:00")
    # A transactional message: neither a journey nor a newsletter.
    s.person("p11")
    s.raw(
        "deliveries",
        workspace_id=s.ws,
        delivery_id=s.id("d_tx"),
        internal_customer_id=s.id("p11"),
        delivery_type="email",
        transactional_message_id="tx1",
        created_at=expand_time("01-05 01:00"),
        seq_num=1,
    )
    s.metrics("d_tx", [SENT, converted])

    def row(
        delivery: str, journey: str | None, campaign: str | None, difference: str, **flags: object
    ) -> dict[str, object]:
        return {
            "delivery_id": delivery,
            "journey_id": journey,
            "campaign_id": campaign,
            "channel": flags.get("channel", "email"),
            "is_platform_converted": flags.get("platform", True),
            "is_converted": flags.get("ours", False),
            "difference": difference,
        }

    s.expect(
        "fct_platform_conversion_reconciliation",
        row("d_agree", "j_agree", "c", "agree", ours=True),
        row("d_ours", "j_ours", "c", "ours_only", ours=True, platform=False),
        row("d_slack", "j_slack", "c", "platform_only:channel_not_attributable", channel="slack"),
        row("d_unsent", "j_unsent", "c", "platform_only:did_not_leave_platform"),
        row("d_tx", None, None, "platform_only:no_journey"),
        row("d_nogoal", "j_nogoal", "nogoal", "platform_only:no_goal_at_journey_start"),
        row("d_segmet", "j_segmet", "seg", "platform_only:goal_met_at_start"),
        row("d_other1", "j_other", "c", "platform_only:credited_other_delivery"),
        row("d_other2", "j_other", "c", "ours_only", ours=True, platform=False, channel="sms"),
        row("d_noocc", "j_noocc", "c", "platform_only:no_goal_occurrence"),
        row("d_outside", "j_outside", "c", "platform_only:outside_window"),
        row("d_twice", "j_twice", "c", "agree", ours=True),
    )
    return s.build()


def newsletter_report() -> Scenario:
    """fct_newsletters: audience, opens, tracked and untracked clicks, a bounce, revenue."""
    s = ScenarioBuilder(
        "rp2_newsletter_report",
        "the newsletter report counts deliveries, sends, unique opens and tracked clicks, two "
        "conversions with their revenue, and rates over deliveries that left the platform",
    )
    s.campaign("n1", kind="newsletter")
    s.goal("n1", 1, "01-01 00:00", window_days=3)
    s.newsletter_delivery(
        "nd1", newsletter="n1", person="p1", created="01-05 09:00",
        metrics=[("sent", "01-05 09:00"), ("opened", "01-05 10:00"),
                 ("clicked", "01-05 10:05", "link1")],
    )  # fmt: skip
    s.event("e1", person="p1", received="01-05 12:00", properties={"revenue": 20})
    # An untracked click (no link_id) is no click.
    s.newsletter_delivery(
        "nd2", newsletter="n1", person="p2", created="01-05 09:00",
        metrics=[("sent", "01-05 09:00"), ("opened", "01-05 11:00"),
                 ("clicked", "01-05 11:05", None)],
    )  # fmt: skip
    # Revenue is the first property holding a number: `revenue` is text, so `total` counts.
    s.event("e2", person="p2", received="01-06 12:00", properties={"revenue": "n/a", "total": 15.5})
    s.newsletter_delivery(
        "nd3", newsletter="n1", person="p3", created="01-05 09:00",
        metrics=[("sent", "01-05 09:00"), ("bounced", "01-05 09:01")],
    )  # fmt: skip
    # A bounced delivery has not left the platform, so its purchase converts nothing.
    s.event("e3", person="p3", received="01-05 12:00", properties={"revenue": 99})
    s.newsletter_delivery(
        "nd4", newsletter="n1", person="p4", created="01-05 08:30",
        metrics=[("sent", "01-05 08:30")],
    )  # fmt: skip
    s.expect(
        "fct_newsletters",
        {
            "newsletter_id": "n1",
            "newsletter_name": "n1",
            "first_delivery_at": "01-05 08:30",
            "deliveries": 4,
            "deliveries_sent": 3,
            "unique_opened": 2,
            "unique_clicked": 1,
            "conversions": 2,
            "conversion_rate": round(2 / 3, 9),
            "revenue": 35.5,
        },
    )
    return s.build()


SCENARIOS = [platform_reconciliation(), newsletter_report()]
