"""Assignment integrity (contract section 4, Experiments): the experiment marts are only as good as
the assignments they count. One path per journey and branch; a variant's delivery is a delivery
of the A/B-tested action; a journey assigned at a branch is a journey of the branch's campaign.

The checks read the staged outputs, deliveries, journeys and branch paths, not the intermediate
assignment models, so a bug there cannot hide itself.
"""

import great_expectations.expectations as gxe

from expectations.rule_suite import RuleSuite, expect_true, expectation_suite, rule_meta

PATHS_PER_JOURNEY_QUERY = """
select
    workspace_id,
    subject_name as journey_id,
    action_id,
    count(*) as assignments
from staging.stg_cio__outputs
where output_type = 'random_cohort_branch'
group by workspace_id, subject_name, action_id
"""

VARIANT_DELIVERIES_QUERY = """
select
    outputs.output_id,
    outputs.action_id,
    deliveries.action_id as delivery_action_id,
    coalesce(outputs.action_id = deliveries.action_id, false) as is_delivery_of_action
from staging.stg_cio__outputs as outputs
inner join staging.stg_cio__deliveries as deliveries
    on outputs.workspace_id = deliveries.workspace_id
    and outputs.delivery_id = deliveries.delivery_id
where outputs.split_test_index is not null
"""

ASSIGNED_JOURNEYS_QUERY = """
with

branches as (
    select distinct workspace_id, action_id, campaign_id
    from staging.stg_config__branch_paths
)

select
    outputs.output_id,
    outputs.subject_name as journey_id,
    subjects.campaign_id,
    branches.campaign_id as branch_campaign_id,
    coalesce(subjects.campaign_id = branches.campaign_id, false) as is_journey_of_campaign
from staging.stg_cio__outputs as outputs
inner join branches
    on outputs.workspace_id = branches.workspace_id
    and outputs.action_id = branches.action_id
inner join staging.stg_cio__subjects as subjects
    on outputs.workspace_id = subjects.workspace_id
    and outputs.subject_name = subjects.subject_name
where outputs.output_type = 'random_cohort_branch'
"""


def suites() -> list[RuleSuite]:
    paths = expectation_suite(
        "assignment.paths_per_journey",
        [
            gxe.ExpectColumnValuesToBeBetween(
                column="assignments",
                min_value=1,
                max_value=1,
                meta=rule_meta(
                    "one_path_per_journey_and_branch",
                    "A journey takes one path at a random cohort branch (contract section 4): "
                    "its first assignment holds and later ones are quarantined, so one staged "
                    "random_cohort_branch output per journey and branch (assignments counted).",
                ),
            ),
        ],
    )
    variants = expectation_suite(
        "assignment.variant_deliveries",
        [
            expect_true(
                "is_delivery_of_action",
                "variant_delivery_of_tested_action",
                "A variant's delivery belongs to the A/B-tested action (contract section 4): "
                "the delivery named by an output row with split_test_index has that row's "
                "action_id.",
            ),
        ],
    )
    journeys = expectation_suite(
        "assignment.branch_campaign",
        [
            expect_true(
                "is_journey_of_campaign",
                "assigned_journey_of_branch_campaign",
                "A journey assigned at a random cohort branch is a journey of the branch's "
                "campaign (contract section 4): its subjects row has branch_paths' campaign_id.",
            ),
        ],
    )
    return [
        RuleSuite(
            "assignment.paths_per_journey",
            PATHS_PER_JOURNEY_QUERY,
            paths,
            ("workspace_id", "journey_id", "action_id"),
        ),
        RuleSuite(
            "assignment.variant_deliveries",
            VARIANT_DELIVERIES_QUERY,
            variants,
            ("output_id", "delivery_action_id"),
        ),
        RuleSuite(
            "assignment.branch_campaign",
            ASSIGNED_JOURNEYS_QUERY,
            journeys,
            ("output_id", "journey_id", "branch_campaign_id"),
        ),
    ]
