{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- Evaluates each candidate's goal filter (rule 3). Both sides JSON numbers: numeric comparison;
-- otherwise text (person attributes are text). A missing property or a missing value to compare
-- with fails every operator but not_exists. `all` needs every condition, `any` one; no
-- conditions match every event.
with

candidates as (
    select * from {{ ref('int_event_goal_candidates') }}
    where {{ person_batch_filter('person_id') }}
),

conditions as (
    select * from {{ ref('int_goal_filter_conditions') }}
),

attributes as (
    select * from {{ ref('int_person_attributes_ranged') }}
    where {{ person_batch_filter('person_id') }}
),

trigger_events as (
    select
        event_id,
        properties
    from {{ ref('stg_tracking__events') }}
    -- A trigger event may be another person's: found by id (the base models log the journey's
    -- person when it changes).
    where {{ person_batch_semi_join('event_id', 'select trigger_event_id from candidates') }}
),

-- The trigger event joined before the filter conditions, in a step of its own on Postgres
-- (`evaluate_once`): there the candidates joined to their conditions are estimated at one row
-- (three correlated columns), so the events joined after them were planned as for one row. A
-- Postgres daily run at scale 0.03 spent over 12 minutes in this model; the same statement
-- planned a minute later took 1 s. Apart, this join is planned from the candidates' own count.
candidates_triggered as (
    select
        candidates.*,
        trigger_events.properties as trigger_properties
    from candidates
    left join trigger_events
        on candidates.trigger_event_id = trigger_events.event_id
    {{ evaluate_once() }}
),

candidate_conditions as (
    select
        candidates.journey_id,
        candidates.event_id,
        candidates.workspace_id,
        candidates.person_id,
        candidates.received_at,
        candidates.properties,
        candidates.trigger_properties,
        conditions.operator,
        conditions.property,
        conditions.person_attribute,
        conditions.trigger_event_property,
        conditions.literal_value_json
    from candidates_triggered as candidates
    inner join conditions
        on
            candidates.workspace_id = conditions.workspace_id
            and candidates.campaign_id = conditions.campaign_id
            and candidates.goal_version = conditions.goal_version
),

-- The person attribute of the conditions that compare with one, and of no others: Postgres
-- estimates candidates x conditions at one row and so looks attributes up in a nested loop, and
-- with every condition in that loop it probed the index once per condition, 4 s of a 5 s batch
-- at 9.4M landed rows whose goals compare with no attribute at all.
attribute_values as (
    select distinct
        candidate_conditions.journey_id,
        candidate_conditions.event_id,
        candidate_conditions.person_attribute,
        attributes.attribute_value
    from candidate_conditions
    inner join attributes
        on
            candidate_conditions.workspace_id = attributes.workspace_id
            and candidate_conditions.person_id = attributes.person_id
            and candidate_conditions.person_attribute = attributes.attribute_name
            and candidate_conditions.received_at >= attributes.value_from
            -- coalesce, not `or ... is null`: an OR in the condition makes DuckDB nested-loop join.
            and candidate_conditions.received_at < coalesce(attributes.value_until, {{ end_of_time() }})
    where candidate_conditions.person_attribute is not null
),

sides as (
    select
        candidate_conditions.journey_id,
        candidate_conditions.event_id,
        candidate_conditions.operator,
        {{ json_text('candidate_conditions.properties', 'candidate_conditions.property') }} as property_text,
        {{ json_is_number('candidate_conditions.properties', 'candidate_conditions.property') }} as property_is_number,
        case
            when candidate_conditions.person_attribute is not null then attribute_values.attribute_value
            when candidate_conditions.trigger_event_property is not null
                then {{ json_text('candidate_conditions.trigger_properties', 'candidate_conditions.trigger_event_property') }}
            else {{ json_scalar_text('candidate_conditions.literal_value_json') }}
        end as compared_text,
        case
            when candidate_conditions.person_attribute is not null then false
            when candidate_conditions.trigger_event_property is not null
                then {{ json_is_number('candidate_conditions.trigger_properties', 'candidate_conditions.trigger_event_property') }}
            else {{ json_scalar_is_number('candidate_conditions.literal_value_json') }}
        end as compared_is_number
    from candidate_conditions
    left join attribute_values
        on
            candidate_conditions.journey_id = attribute_values.journey_id
            and candidate_conditions.event_id = attribute_values.event_id
            and candidate_conditions.person_attribute = attribute_values.person_attribute
),

evaluated as (
    select
        journey_id,
        event_id,
        coalesce(
            case
                when operator = 'exists' then property_text is not null
                when operator = 'not_exists' then property_text is null
                when property_text is null or compared_text is null then false
                when operator = 'contains' then {{ dbt.position('compared_text', 'property_text') }} > 0
                when property_is_number and compared_is_number
                    then
                        case operator
                            when 'eq' then cast(property_text as {{ type_double() }}) = cast(compared_text as {{ type_double() }})
                            when 'neq' then cast(property_text as {{ type_double() }}) <> cast(compared_text as {{ type_double() }})
                            when 'gt' then cast(property_text as {{ type_double() }}) > cast(compared_text as {{ type_double() }})
                            when 'gte' then cast(property_text as {{ type_double() }}) >= cast(compared_text as {{ type_double() }})
                            when 'lt' then cast(property_text as {{ type_double() }}) < cast(compared_text as {{ type_double() }})
                            when 'lte' then cast(property_text as {{ type_double() }}) <= cast(compared_text as {{ type_double() }})
                        end
                else
                    case operator
                        when 'eq' then property_text = compared_text
                        when 'neq' then property_text <> compared_text
                        when 'gt' then property_text > compared_text
                        when 'gte' then property_text >= compared_text
                        when 'lt' then property_text < compared_text
                        when 'lte' then property_text <= compared_text
                    end
            end,
            false
        ) as is_condition_met
    from sides
),

per_candidate as (
    select
        journey_id,
        event_id,
        bool_and(is_condition_met) as all_met,
        bool_or(is_condition_met) as any_met
    from evaluated
    group by journey_id, event_id
),

final as (
    select candidates.*
    from candidates
    left join per_candidate
        on
            candidates.journey_id = per_candidate.journey_id
            and candidates.event_id = per_candidate.event_id
    where
        per_candidate.journey_id is null
        or (candidates.filter_match = 'any' and per_candidate.any_met)
        or (candidates.filter_match <> 'any' and per_candidate.all_met)
)

select * from final
