"""Seeded, vectorised simulator of a Customer.io-shaped workspace, written as landing parquet files.

Scale 1.0 is ~100M landed rows: 1M people, 1M journeys, 10M deliveries, ~35M metrics, 50M events,
plus ~1M each of outputs, attributes and segment changes (and the small configuration tables).
Everything is generated inside DuckDB from `range()` and a seeded hash, so it streams to disk
without holding a table in Python and gives the same files for the same (scale, days, seed).

Each table with a processing time is written one file per landing day
(`<table>_d<day>.parquet`), so a load "as of day k" is the set of files of days <= k. Realism:
- skew: people, journeys and campaigns are drawn with u**2-style densities, so most people get a
  few messages and a few get many;
- rates: ~30% of delivered e-mails opened, ~3.6% clicked (90% on tracked links), ~2-4% of
  journeys convert on a `purchase` goal event, a few % bounce;
- late data: 1% of rows land one day after their processing day, 0.5% are re-sent (same key,
  higher seq_num) one or two days later; 2% of events have a sender clock ahead of received_at
  and 1% were sent offline days before they were received.
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

CHANNELS = (
    # channel, cumulative share of deliveries
    ("email", 0.60),
    ("push", 0.75),
    ("sms", 0.87),
    ("webhook", 0.93),
    ("in_app", 0.97),
    ("slack", 0.99),
    ("whatsapp", 1.00),
)
CAMPAIGNS = 20
NEWSLETTERS = 5
SEGMENTS = 5
PURCHASE_FILTER = (
    '{"match": "all", "conditions": [{"property": "total", "operator": "gt", "value": 9.99}]}'
)


@dataclass(frozen=True)
class Sizes:
    people: int
    journeys: int
    deliveries: int
    events: int
    outputs: int
    attributes: int
    segment_changes: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(base: float) -> int:
            return max(int(base * scale), 10)

        return cls(
            people=n(1_000_000),
            journeys=n(1_000_000),
            deliveries=n(10_000_000),
            events=n(50_000_000),
            outputs=n(1_000_000),
            attributes=n(1_000_000),
            segment_changes=n(1_000_000),
        )


def _u(seed: int, key: str, salt: str) -> str:
    """A uniform [0, 1) number from a hash: deterministic, order-free, parallel-safe."""
    return f"((hash({key}, '{salt}', {seed}) % 1000003) / 1000003.0)"


def _channel_case(u: str) -> str:
    branches = " ".join(f"when {u} < {edge} then '{name}'" for name, edge in CHANNELS)
    return f"case {branches} end"


class Simulator:
    def __init__(
        self,
        out_dir: Path,
        scale: float,
        *,
        days: int = 60,
        seed: int = 1,
        workspace_id: int = 1,
        start: str = "2026-01-01",
        threads: int = 2,
        memory_limit: str = "4GB",
    ) -> None:
        self.out_dir = out_dir
        self.sizes = Sizes.at(scale)
        self.days = days
        self.seed = seed
        self.ws = workspace_id
        self.start = f"timestamp '{start} 00:00:00'"
        self.end = f"({self.start} + to_days({days}))"
        self.db = duckdb.connect()
        self.db.execute(f"set threads = {threads}")
        self.db.execute(f"set memory_limit = '{memory_limit}'")
        self.db.execute("set preserve_insertion_order = false")
        self.db.execute("set TimeZone = 'UTC'")

    def u(self, key: str, salt: str) -> str:
        return _u(self.seed, key, salt)

    def day_of(self, ts: str) -> str:
        return f"greatest(0, cast(floor(epoch({ts} - {self.start}) / 86400) as integer))"

    # --- writing --------------------------------------------------------------------------
    def write(self, table: str, select_sql: str, processing: str | None, key: str) -> int:
        """Write a table one file per landing day, with late and re-sent copies of some rows."""
        if processing is None:
            landed = f"select *, 0 as landing_day from ({select_sql})"
        else:
            late = self.u(key, f"{table}-late")
            resend = self.u(key, f"{table}-resend")
            base = f"""
                with rows as ({select_sql}),
                placed as (
                    select *, {self.day_of(processing)}
                        + case when {late} < 0.01 then 1 else 0 end as landing_day
                    from rows
                    where {processing} < {self.end}
                ),
                resent as (
                    select * replace (
                        seq_num + 1 as seq_num,
                        landing_day + 1 + cast({resend} * 200 as integer) % 2 as landing_day
                    )
                    from placed
                    where {resend} < 0.005
                )
                select * from placed union all select * from resent
            """
            landed = f"select * from ({base}) where landing_day < {self.days}"
        staging = self.out_dir / f".tmp_{table}"
        shutil.rmtree(staging, ignore_errors=True)
        self.db.execute(
            f"copy ({landed}) to '{staging}' "
            "(format parquet, partition_by (landing_day), overwrite_or_ignore true)"
        )
        rows = 0
        for part in sorted(staging.glob("landing_day=*")):
            day = int(part.name.split("=")[1])
            for index, file in enumerate(sorted(part.glob("*.parquet"))):
                target = self.out_dir / f"{table}_d{day:03d}_{index}.parquet"
                file.rename(target)
                rows += self.db.execute(f"select count(*) from '{target}'").fetchone()[0]
        shutil.rmtree(staging)
        return rows

    # --- tables ---------------------------------------------------------------------------
    def at_fraction(self, fraction: str) -> str:
        """The instant `fraction` (0-1) of the way through the simulated period."""
        return f"{self.start} + to_seconds(cast({fraction} * 86400 * {self.days} as bigint))"

    def campaign_of(self, fraction: str) -> str:
        # u**1.5: a few campaigns run most journeys.
        return f"'c' || cast(floor({CAMPAIGNS} * pow({fraction}, 1.5)) as integer)"

    def person_of(self, key: str, salt: str) -> str:
        # u**2 gives density ~ 1/sqrt(x): low ids are heavy users, most ids see little.
        return f"'p' || cast(floor({self.sizes.people} * pow({self.u(key, salt)}, 2)) as bigint)"

    def config(self) -> dict[str, int]:
        ws, seed = self.ws, self.seed
        u = self.u
        campaigns = f"""
            select {ws} as workspace_id, 'c' || range as campaign_id, 'Campaign ' || range as name,
                'campaign' as kind,
                case when range % 4 = 3 then 'seg_' || (range % {SEGMENTS}) end
                    as trigger_segment_id,
                {self.start} - to_days(30) as created_at
            from range({CAMPAIGNS})
            union all
            select {ws}, 'n' || range, 'Newsletter ' || range, 'newsletter', null,
                {self.start} - to_days(30)
            from range({NEWSLETTERS})
        """
        channels = ", ".join(f"('{name}')" for name, _ in CHANNELS)
        actions = f"""
            with owners as (
                select 'c' || range as owner from range({CAMPAIGNS})
                union all select 'n' || range from range({NEWSLETTERS})
            ),
            channels(channel) as (values {channels}, ('delay'), ('create_update_person'))
            select {ws} as workspace_id, owner || '_' || channel as action_id,
                owner as campaign_id, channel as action_type, channel || ' step' as name,
                (hash(owner, {seed}) % 2 = 0) as webhook_conversions_enabled
            from owners cross join channels
        """
        # Goals: most campaigns convert on a purchase over 9.99; some on entering the paid
        # segment; one has no goal; every fifth campaign edits its goal mid-period (version 2).
        goals = f"""
            with owners as (
                select 'c' || range as owner, range as i from range({CAMPAIGNS})
                union all select 'n' || range, 100 + range from range({NEWSLETTERS})
            ),
            v1 as (
                select owner, i, 1 as version, {self.start} - to_days(30) as valid_from,
                    case when i = 7 then 'none' when i % 6 = 5 then 'segment_entered'
                         else 'event' end as goal_type,
                    case when i % 3 = 0 then 'opened' when i % 3 = 1 then 'received'
                         else 'clicked' end as basis,
                    case when i % 2 = 0 then 7 else 3 end as window_days
                from owners
            ),
            v2 as (
                select owner, i, 2, {self.start} + to_days({self.days // 2}), 'event',
                    'received', 14
                from v1 where i % 5 = 0 and i < 100
            ),
            versions as (select * from v1 union all select * from v2)
            select {ws} as workspace_id, owner as campaign_id, version, valid_from, goal_type,
                case when goal_type = 'event' then 'purchase' end as event_name,
                case when goal_type like 'segment%' then 'seg_paid' end as segment_id,
                case when goal_type = 'event' then '{PURCHASE_FILTER}' end as filter,
                window_days, basis,
                case when i % 4 = 0 then 'converted'
                     when i % 4 = 1 then 'converted_or_stopped_matching'
                     else 'none' end as exit_condition
            from versions
        """
        _ = u
        return {
            "campaigns": self.write("campaigns", campaigns, None, "campaign_id"),
            "campaign_actions": self.write("campaign_actions", actions, None, "action_id"),
            "goal_versions": self.write("goal_versions", goals, None, "campaign_id"),
        }

    def people(self) -> int:
        s, u = self.sizes, self.u
        sql = f"""
            with base as (
                select range as i,
                    {self.start} - to_days(1 + cast({u("range", "pc")} * 365 as integer))
                        as created_at
                from range({s.people})
            ),
            versions as (
                select i, created_at, created_at as updated_at, 1 as version from base
                union all
                -- 3% of people are updated during the period (a re-sent row, higher seq_num).
                select i, created_at, {self.at_fraction(u("i", "pu"))}, 2
                from base where {u("i", "pupd")} < 0.03
            )
            select {self.ws} as workspace_id, 'cust' || i as customer_id,
                'p' || i as internal_customer_id,
                false as deleted, ({u("i", "sup")} < 0.01) as suppressed, created_at, updated_at,
                'person' || i || '@example.com' as email_addr, i * 10 + version as seq_num
            from versions
        """
        return self.write("people", sql, "updated_at", "internal_customer_id")

    def journeys(self) -> int:
        s, u = self.sizes, self.u
        sql = f"""
            select {self.ws} as workspace_id, 'j' || range as subject_name,
                {self.person_of("range", "jp")} as internal_customer_id,
                {self.campaign_of(u("range", "jc"))} as campaign_id,
                'segment' as campaign_type, null as event_id, null as trigger_id,
                {self.start} + to_seconds(cast({u("range", "js")} * 86400 * {self.days} as bigint))
                    as created_at,
                {self.start} + to_seconds(cast({u("range", "js")} * 86400 * {self.days} as bigint))
                    as started_campaign_at,
                range * 10 as seq_num
            from range({s.journeys})
        """
        return self.write("subjects", sql, "created_at", "subject_name")

    def delivery_rows(self) -> str:
        """Deliveries as SQL (reused by metrics and outputs, so they agree without a join)."""
        s, u = self.sizes, self.u
        journey = f"cast(floor({s.journeys} * pow({u('range', 'dj')}, 1.3)) as bigint)"
        jstart = self.at_fraction(_u(self.seed, "j", "js"))
        return f"""
            with d as (
                select range as i, {u("range", "dn")} < 0.10 as is_newsletter, {journey} as j,
                    {_channel_case(u("range", "dch"))} as channel
                from range({s.deliveries})
            ),
            shaped as (
                select i, channel, is_newsletter,
                    case when is_newsletter then null else 'j' || j end as subject_id,
                    case when is_newsletter then {self.person_of("i", "dnp")}
                         else {self.person_of("j", "jp")} end as internal_customer_id,
                    case when is_newsletter then null
                         else {self.campaign_of(_u(self.seed, "j", "jc"))}
                    end as campaign_id,
                    case when is_newsletter then 'n' || (i % {NEWSLETTERS}) end as newsletter_id,
                    case when is_newsletter
                        then {self.at_fraction(u("i", "dnt"))}
                        else {jstart} + to_seconds(cast({u("i", "dt")} * 86400 * 10 as bigint))
                    end as created_at
                from d
            )
            select {self.ws} as workspace_id, 'd' || i as delivery_id, internal_customer_id,
                subject_id, null as event_id, channel as delivery_type, campaign_id,
                coalesce(campaign_id, newsletter_id) || '_' || channel as action_id, newsletter_id,
                'content' || (i % 50) as content_id, null as trigger_id, created_at,
                null as transactional_message_id, i * 10 as seq_num, i
            from shaped
        """

    def deliveries(self) -> int:
        sql = f"select * exclude (i) from ({self.delivery_rows()})"
        return self.write("deliveries", sql, "created_at", "delivery_id")

    def metrics(self) -> int:
        u = self.u
        # kind, condition on the delivery, offset of its created_at from the delivery's, order.
        kinds = [
            ("drafted", f"{u('i', 'mdr')} < 0.30", "to_seconds(0)", 0),
            ("attempted", f"{u('i', 'mat')} < 0.95", "to_seconds(1)", 1),
            ("sent", "not failed", "to_seconds(5)", 2),
            (
                "delivered",
                "not failed and delivery_type in ('email', 'sms', 'push') and "
                f"{u('i', 'mdl')} < 0.92",
                "to_seconds(60)",
                3,
            ),
            ("bounced", "failed and delivery_type = 'email'", "to_seconds(90)", 4),
            ("failed", "failed and delivery_type <> 'email'", "to_seconds(90)", 5),
            ("opened", "opened", f"to_seconds(120 + cast({u('i', 'mot')} * 172800 as bigint))", 6),
            (
                "clicked",
                f"opened and {u('i', 'mcl')} < 0.12",
                f"to_seconds(180 + cast({u('i', 'mot')} * 172800 as bigint))",
                7,
            ),
            (
                "converted",
                f"not failed and {u('i', 'mcv')} < 0.02",
                f"to_seconds(cast({u('i', 'mcvt')} * 86400 * 3 as bigint))",
                8,
            ),
            (
                "unsubscribed",
                f"opened and {u('i', 'mun')} < 0.01",
                f"to_seconds(200 + cast({u('i', 'mot')} * 172800 as bigint))",
                9,
            ),
        ]
        branches = "\nunion all\n".join(
            f"""select {self.ws} as workspace_id, 'm' || (i * 10 + {order}) as event_id,
                    delivery_id, '{kind}' as metric,
                    case when '{kind}' in ('bounced', 'failed') then 'mailbox unavailable' end
                        as reason,
                    case when '{kind}' = 'clicked' and {u("i", "mlk")} < 0.9
                        then 'link' || (i % 5) end as link_id,
                    case when '{kind}' = 'clicked' then 'https://example.com/' || (i % 5) end
                        as link_url,
                    created_at + {offset} as created_at, (i * 10 + {order}) * 10 as seq_num
                from shaped where {condition}"""
            for kind, condition, offset, order in kinds
        )
        sql = f"""
            with d as ({self.delivery_rows()}),
            shaped as (
                select *, {u("i", "mfail")} < 0.03 as failed,
                    delivery_type = 'email' and {u("i", "mfail")} >= 0.03 and {u("i", "mop")} < 0.30
                        as opened
                from d
            )
            {branches}
        """
        return self.write("metrics", sql, "created_at", "event_id")

    def outputs(self) -> int:
        sql = f"""
            select workspace_id, 'o' || i as output_id, subject_id as subject_name,
                'delivery' as output_type, action_id, null as explanation, delivery_id,
                false as draft, delivery_type = 'email' as link_tracked, created_at, seq_num
            from ({self.delivery_rows()})
            where subject_id is not null and i < {self.sizes.outputs}
        """
        return self.write("outputs", sql, "created_at", "output_id")

    def events(self) -> int:
        s, u = self.sizes, self.u
        received = (
            f"{self.start} + to_seconds(cast({u('range', 'er')} * 86400 * {self.days} as bigint))"
        )
        sql = f"""
            with e as (
                select range as i, {received} as received_at, {u("range", "en")} as un,
                    {u("range", "ek")} as uk
                from range({s.events})
            )
            select {self.ws} as workspace_id, 'e' || i as event_id,
                {self.person_of("i", "ep")} as internal_customer_id,
                case when un < 0.006 then 'purchase' when un < 0.03 then 'added_to_cart'
                     when un < 0.05 then 'signed_up' else 'page_viewed' end as name,
                case when un < 0.006
                    then '{{"total": ' || round({u("i", "etot")} * 200, 2) || ', "course_id": "k'
                        || (i % 40) || '"}}'
                    else '{{"path": "/p/' || (i % 1000) || '"}}' end as properties,
                case when uk < 0.02 then received_at + to_seconds(30)
                     when uk < 0.03 then received_at - to_seconds(cast(uk * 100 * 86400 as bigint))
                     else received_at - to_seconds(cast(uk * 60 as bigint)) end as timestamp,
                received_at, i * 10 as seq_num
            from e
        """
        return self.write("events", sql, "received_at", "event_id")

    def attributes(self) -> int:
        s, u = self.sizes, self.u
        sql = f"""
            select {self.ws} as workspace_id,
                {self.person_of("range", "ap")} as internal_customer_id,
                'plan' as attribute_name,
                case when {u("range", "av")} < 0.6 then 'free'
                     when {u("range", "av")} < 0.9 then 'pro'
                     else 'team' end as attribute_value,
                {self.start} + to_seconds(cast({u("range", "at")} * 86400 * {self.days} as bigint))
                    + to_microseconds(range % 1000) as timestamp,
                range * 10 as seq_num
            from range({s.attributes})
        """
        return self.write("attributes", sql, "timestamp", "internal_customer_id || timestamp")

    def segment_memberships(self) -> int:
        s, u = self.sizes, self.u
        pairs = s.segment_changes // 2 + 1
        entered = f"{self.start} + to_seconds(cast({u('p', 'st')} * 86400 * {self.days} as bigint))"
        sql = f"""
            with p as (
                select range as p, {self.person_of("range", "sp")} as person,
                    case when {u("range", "ss")} < 0.3 then 'seg_paid'
                         else 'seg_' || cast(floor({u("range", "ss")} * {SEGMENTS}) as integer) end
                        as segment_id
                from range({pairs})
            ),
            changes as (
                select p, person, segment_id, 'entered' as action, {entered}
                    + to_microseconds(p % 1000000) as occurred_at, 0 as k
                from p
                union all
                select p, person, segment_id, 'exited', {entered}
                    + to_seconds(cast(3600 + {u("p", "sx")} * 86400 * 10 as bigint))
                    + to_microseconds(p % 1000000), 1
                from p where {u("p", "sxx")} < 0.6
            )
            select {self.ws} as workspace_id, person as internal_customer_id, segment_id,
                occurred_at, action, (p * 2 + k) * 10 as seq_num
            from changes
        """
        return self.write(
            "segment_memberships", sql, "occurred_at", "internal_customer_id || occurred_at"
        )

    def run(self) -> dict[str, int]:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        counts = self.config()
        counts["people"] = self.people()
        counts["subjects"] = self.journeys()
        counts["deliveries"] = self.deliveries()
        counts["metrics"] = self.metrics()
        counts["outputs"] = self.outputs()
        counts["events"] = self.events()
        counts["attributes"] = self.attributes()
        counts["segment_memberships"] = self.segment_memberships()
        return counts


PEOPLE_DAY_SUFFIX = "people_day"


def land_people_day(
    out_dir: Path, day: int, *, share: float = 0.01, seed: int = 1, start: str = "2026-01-01"
) -> tuple[int, dict[str, int]]:
    """Land one more processing day (index `day`) whose rows belong to a seeded `share` of people.

    Each chosen person's newest delivery (with its metrics), event, attribute change and segment
    change is landed again as a new row (new key, processing time inside the day), so the day
    touches exactly those people, the shape of a quiet day for a per-person incremental build.
    Written as `<table>_d<day>_people_day.parquet`; remove_people_day takes them away again.
    Returns the people chosen and the rows written per table.
    """
    db = duckdb.connect()
    db.execute("set TimeZone = 'UTC'")
    day_start = f"(timestamp '{start} 00:00:00' + to_days({day}))"

    def files(table: str) -> str:
        return f"read_parquet('{out_dir}/{table}_d*_[0-9]*.parquet', union_by_name = true)"

    # The offset of a key's new row inside the day: spread over the day, never past its end.
    def inside_day(key: str) -> str:
        return f"{day_start} + to_seconds(cast(hash({key}, {seed}) % 86000 as bigint))"

    db.execute(
        f"""
        create temp table chosen as
        select distinct internal_customer_id from {files("people")}
        where ({_u(seed, "internal_customer_id", "people-day")}) < {share}
        """
    )
    # A person's newest row of a table (ties: the smaller key), re-landed as the new one.
    newest = (
        "qualify row_number() over (partition by internal_customer_id order by {0} desc, {1}) = 1"
    )
    selects = {
        "deliveries": f"""
            select * replace ('dx_' || delivery_id as delivery_id,
                {inside_day("delivery_id")} as created_at, seq_num + 1 as seq_num)
            from {files("deliveries")} semi join chosen using (internal_customer_id)
            {newest.format("created_at", "delivery_id")}
        """,
        "events": f"""
            select * replace ('ex_' || event_id as event_id,
                {inside_day("event_id")} - to_seconds(30) as timestamp,
                {inside_day("event_id")} as received_at, seq_num + 1 as seq_num)
            from {files("events")} semi join chosen using (internal_customer_id)
            {newest.format("received_at", "event_id")}
        """,
        "attributes": f"""
            select * replace ({inside_day("seq_num")} as timestamp, seq_num + 1 as seq_num)
            from {files("attributes")} semi join chosen using (internal_customer_id)
            {newest.format("timestamp", "seq_num")}
        """,
        "segment_memberships": f"""
            select * replace ({inside_day("seq_num")} as occurred_at, seq_num + 1 as seq_num)
            from {files("segment_memberships")} semi join chosen using (internal_customer_id)
            {newest.format("occurred_at", "seq_num")}
        """,
    }
    counts: dict[str, int] = {}
    for table, sql in selects.items():
        target = out_dir / f"{table}_d{day:03d}_{PEOPLE_DAY_SUFFIX}.parquet"
        db.execute(f"copy ({sql}) to '{target}' (format parquet)")
        counts[table] = db.execute(f"select count(*) from '{target}'").fetchone()[0]
    # The new deliveries' metrics: the old delivery's, moved with it, kept inside the day.
    deliveries = out_dir / f"deliveries_d{day:03d}_{PEOPLE_DAY_SUFFIX}.parquet"
    target = out_dir / f"metrics_d{day:03d}_{PEOPLE_DAY_SUFFIX}.parquet"
    db.execute(
        f"""
        copy (
            select metrics.* replace ('mx_' || metrics.event_id as event_id,
                moved.delivery_id as delivery_id,
                least(metrics.created_at + (moved.created_at - old.created_at),
                    {day_start} + to_seconds(86399)) as created_at)
            from {files("metrics")} as metrics
            inner join {files("deliveries")} as old on metrics.delivery_id = old.delivery_id
            inner join '{deliveries}' as moved on moved.delivery_id = 'dx_' || old.delivery_id
        ) to '{target}' (format parquet)
        """
    )
    counts["metrics"] = db.execute(f"select count(*) from '{target}'").fetchone()[0]
    people = db.execute("select count(*) from chosen").fetchone()[0]
    db.close()
    return people, counts


def remove_people_day(out_dir: Path) -> None:
    """Take away what land_people_day wrote, so the folder is the simulated workspace again."""
    for path in out_dir.glob(f"*_{PEOPLE_DAY_SUFFIX}.parquet"):
        path.unlink()


def simulate(out_dir: Path, scale: float, **options: object) -> dict[str, int]:
    """Write a landing folder at `scale` (1.0 = ~100M rows); returns rows written per table."""
    return Simulator(out_dir, scale, **options).run()  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    args = parser.parse_args()
    began = time.perf_counter()
    counts = simulate(
        args.out_dir,
        args.scale,
        days=args.days,
        seed=args.seed,
        threads=args.threads,
        memory_limit=args.memory_limit,
    )
    for table, rows in counts.items():
        print(f"{table:20} {rows:>12,}")
    print(f"{'total':20} {sum(counts.values()):>12,}  ({time.perf_counter() - began:.1f}s)")


if __name__ == "__main__":
    main()
