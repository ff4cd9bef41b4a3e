-- One row per day, the calendar MetricFlow aggregates metrics over.
with

days as (
    {{ dbt.date_spine(datepart="day", start_date="cast('2020-01-01' as date)", end_date="cast('2031-01-01' as date)") }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
