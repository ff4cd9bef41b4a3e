"""Credit (contract rules 3, 4, 6 and 7): one conversion per journey, one per delivery, credited
to a counted delivery of the journey; a journey whose segment goal was met at its start never
converts."""

import great_expectations.expectations as gxe

from expectations.rule_suite import RuleSuite, expect_true, expectation_suite, rule_meta

CONVERSIONS_QUERY = """
with

conversions as (
    select * from marts.fct_conversions
),

deliveries as (
    select * from marts.fct_deliveries
),

failures as (
    select metrics.delivery_id, metrics.created_at
    from staging.stg_cio__metrics as metrics
    inner join rules.metric_vocabulary as vocabulary on metrics.metric = vocabulary.metric
    where vocabulary.is_delivery_failure
),

final as (
    select
        conversions.journey_id,
        conversions.credited_delivery_id,
        coalesce(deliveries.is_attributable, false) as is_credited_delivery_attributable,
        coalesce(
            deliveries.sent_at <= conversions.converted_at
            or deliveries.delivered_at <= conversions.converted_at,
            false
        ) as has_left_platform_before_conversion,
        not exists (
            select 1 from failures
            where failures.delivery_id = conversions.credited_delivery_id
                and failures.created_at <= conversions.converted_at
        ) as has_no_failure_before_conversion,
        coalesce(deliveries.journey_id = conversions.journey_id, false) as is_delivery_of_journey
    from conversions
    left join deliveries on conversions.credited_delivery_id = deliveries.delivery_id
)

select * from final
"""

GOAL_MET_AT_START_QUERY = """
with

journeys as (
    select * from marts.fct_journeys
),

converted as (
    select distinct journey_id from marts.fct_conversions
),

final as (
    select
        journeys.journey_id,
        not (
            coalesce(journeys.goal_met_at_start, false)
            and (coalesce(journeys.is_converted, false) or converted.journey_id is not null)
        ) as is_unconverted_or_goal_not_met_at_start
    from journeys
    left join converted on journeys.journey_id = converted.journey_id
)

select * from final
"""


def suites() -> list[RuleSuite]:
    conversions = expectation_suite(
        "credit",
        [
            gxe.ExpectColumnValuesToBeUnique(
                column="journey_id",
                meta=rule_meta(
                    "one_conversion_per_journey",
                    "A journey converts at most once (rule 7): journey_id is unique in "
                    "fct_conversions.",
                ),
            ),
            gxe.ExpectColumnValuesToBeUnique(
                column="credited_delivery_id",
                meta=rule_meta(
                    "one_conversion_per_delivery",
                    "A delivery converts at most once (rule 7): credited_delivery_id is unique in "
                    "fct_conversions.",
                ),
            ),
            expect_true(
                "is_credited_delivery_attributable",
                "credited_delivery_attributable",
                "Only attributable channels are credited (rule 4): email, sms, push, webhook "
                "with conversions enabled; never slack, in_app, whatsapp or person updates "
                "(fct_deliveries.is_attributable).",
            ),
            expect_true(
                "has_left_platform_before_conversion",
                "credited_delivery_left_platform_before_conversion",
                "A credited delivery left the platform (a sent or delivered metric) at or before "
                "the conversion (rule 4).",
            ),
            expect_true(
                "has_no_failure_before_conversion",
                "credited_delivery_not_failed_before_conversion",
                "A credited delivery has no bounced, dropped, failed or undeliverable metric at "
                "or before the conversion (rule 4).",
            ),
            expect_true(
                "is_delivery_of_journey",
                "credited_delivery_of_journey",
                "A conversion credits a delivery of its own journey (rule 4): "
                "fct_deliveries.journey_id = fct_conversions.journey_id.",
            ),
        ],
    )
    goal_met_at_start = expectation_suite(
        "credit.goal_met_at_start",
        [
            expect_true(
                "is_unconverted_or_goal_not_met_at_start",
                "goal_met_at_start_never_converts",
                "A journey whose segment goal was already met at its start never converts "
                "(rule 3): no goal_met_at_start journey in fct_conversions or is_converted.",
            ),
        ],
    )
    return [
        RuleSuite("credit", CONVERSIONS_QUERY, conversions, ("journey_id",)),
        RuleSuite(
            "credit.goal_met_at_start", GOAL_MET_AT_START_QUERY, goal_met_at_start, ("journey_id",)
        ),
    ]
