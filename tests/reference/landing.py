"""Reads a landing folder of csv files into typed, staged rows (the contract's section 1 and 2).

Staging semantics, as the contract and docs/decisions.md state them: bad rows are set aside first,
then among the valid rows of a key the highest seq_num wins; the three configuration tables have no
seq_num, so an exact duplicate is superseded and two different rows for a key are both dropped.
"""

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

CHANNELS = {"email", "sms", "push", "webhook", "slack", "in_app", "whatsapp"}
METRICS = {
    "drafted",
    "attempted",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "converted",
    "bounced",
    "dropped",
    "spammed",
    "failed",
    "undeliverable",
    "unsubscribed",
}
GOAL_TYPES = {"none", "event", "segment_entered", "segment_exited"}
BASES = {"received", "opened", "clicked"}
RANDOM_COHORT_BRANCH = "random_cohort_branch"
EXIT_CONDITIONS = {"none", "converted", "stopped_matching", "converted_or_stopped_matching"}


class BadRow(Exception):
    """The row breaks the contract; it is quarantined, never staged."""


@dataclass(frozen=True)
class Delivery:
    workspace_id: str
    delivery_id: str
    person_id: str
    subject_id: str | None
    delivery_type: str
    campaign_id: str | None
    action_id: str | None
    newsletter_id: str | None
    content_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Metric:
    workspace_id: str
    event_id: str
    delivery_id: str
    metric: str
    link_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Subject:
    workspace_id: str
    journey_id: str
    person_id: str
    campaign_id: str
    event_id: str | None
    trigger_id: str | None
    started_at: datetime


@dataclass(frozen=True)
class Event:
    workspace_id: str
    event_id: str
    person_id: str
    name: str
    properties: dict[str, Any]
    timestamp: datetime
    received_at: datetime


@dataclass(frozen=True)
class Membership:
    workspace_id: str
    person_id: str
    segment_id: str
    occurred_at: datetime
    action: str


@dataclass(frozen=True)
class Attribute:
    workspace_id: str
    person_id: str
    name: str
    value: str | None
    timestamp: datetime


@dataclass(frozen=True)
class Campaign:
    workspace_id: str
    campaign_id: str
    name: str | None
    kind: str
    trigger_segment_id: str | None


@dataclass(frozen=True)
class Action:
    workspace_id: str
    action_id: str
    campaign_id: str
    action_type: str
    webhook_conversions_enabled: bool


@dataclass(frozen=True)
class GoalVersion:
    workspace_id: str
    campaign_id: str
    version: int
    valid_from: datetime
    goal_type: str
    event_name: str | None
    segment_id: str | None
    filter: dict[str, Any] | None
    window_days: int | None
    basis: str
    exit_condition: str


@dataclass(frozen=True)
class Output:
    workspace_id: str
    output_id: str
    journey_id: str | None
    output_type: str | None
    action_id: str | None
    delivery_id: str | None
    split_test_index: int | None
    branch_index: int | None
    created_at: datetime


@dataclass(frozen=True)
class BranchPath:
    workspace_id: str
    action_id: str
    branch_index: int
    campaign_id: str
    weight_percent: Decimal
    role: str


@dataclass
class Staged:
    deliveries: list[Delivery] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    goal_versions: list[GoalVersion] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    branch_paths: list[BranchPath] = field(default_factory=list)
    people: set[tuple[str, str]] = field(default_factory=set)


def _req(row: dict[str, str | None], column: str) -> str:
    value = row.get(column)
    if value is None:
        raise BadRow(f"null {column}")
    return value


def _time(row: dict[str, str | None], column: str) -> datetime:
    text = _req(row, column)
    if text.isdigit() and 9 <= len(text) <= 10:
        # decisions.md: epoch seconds (9-10 digits) are accepted.
        return datetime.fromtimestamp(int(text), UTC).replace(tzinfo=None)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise BadRow(f"unparseable_timestamp:{column}") from error
    # Offsets are normalised to UTC; naive values already are UTC.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _seq(row: dict[str, str | None]) -> int:
    try:
        return int(_req(row, "seq_num"))
    except ValueError as error:
        raise BadRow("invalid_seq_num") from error


def _bool(text: str | None) -> bool:
    if text is None:
        return False
    lowered = text.strip().lower()
    if lowered in {"true", "t", "1", "yes"}:
        return True
    if lowered in {"false", "f", "0", "no"}:
        return False
    raise BadRow("unparseable_boolean")


def read_rows(landing_dir: Path, table: str) -> list[dict[str, str | None]]:
    """All rows of a table's csv files; an empty cell is null, as in DuckDB's csv reader."""
    rows: list[dict[str, str | None]] = []
    for path in sorted(landing_dir.glob(f"{table}*.csv")):
        with path.open(newline="") as handle:
            for raw in csv.DictReader(handle):
                rows.append({key: (value if value != "" else None) for key, value in raw.items()})
    return rows


def _latest_by_seq(
    rows: Iterable[dict[str, str | None]],
    key: Callable[[dict[str, str | None]], tuple],
    parse: Callable[[dict[str, str | None]], Any],
) -> list[Any]:
    """Validate every row, then keep the highest seq_num per key among the valid ones."""
    best: dict[tuple, tuple[int, Any]] = {}
    for row in rows:
        try:
            parsed = parse(row)
            seq = _seq(row)
            row_key = key(row)
        except BadRow:
            continue
        if any(part is None for part in row_key):
            continue
        if row_key not in best or seq > best[row_key][0]:
            best[row_key] = (seq, parsed)
    return [parsed for _, parsed in best.values()]


def _config(
    rows: Iterable[dict[str, str | None]],
    key: Callable[[dict[str, str | None]], tuple],
    parse: Callable[[dict[str, str | None]], Any],
) -> list[Any]:
    """Configuration rows: exact duplicates collapse, two different rows for a key drop both."""
    by_key: dict[tuple, set[Any]] = defaultdict(set)
    for row in rows:
        try:
            parsed = parse(row)
            row_key = key(row)
        except BadRow:
            continue
        if any(part is None for part in row_key):
            continue
        by_key[row_key].add(parsed)
    return [next(iter(values)) for values in by_key.values() if len(values) == 1]


def _delivery(row: dict[str, str | None]) -> Delivery:
    if row.get("delivery_type") not in CHANNELS:
        raise BadRow("unknown_delivery_type")
    return Delivery(
        workspace_id=_req(row, "workspace_id"),
        delivery_id=_req(row, "delivery_id"),
        person_id=_req(row, "internal_customer_id"),
        subject_id=row.get("subject_id"),
        delivery_type=_req(row, "delivery_type"),
        campaign_id=row.get("campaign_id"),
        action_id=row.get("action_id"),
        newsletter_id=row.get("newsletter_id"),
        content_id=row.get("content_id"),
        created_at=_time(row, "created_at"),
    )


def _metric(row: dict[str, str | None]) -> Metric:
    if row.get("metric") not in METRICS:
        raise BadRow("unknown_metric")
    return Metric(
        workspace_id=_req(row, "workspace_id"),
        event_id=_req(row, "event_id"),
        delivery_id=_req(row, "delivery_id"),
        metric=_req(row, "metric"),
        link_id=row.get("link_id"),
        created_at=_time(row, "created_at"),
    )


def _subject(row: dict[str, str | None]) -> Subject:
    return Subject(
        workspace_id=_req(row, "workspace_id"),
        journey_id=_req(row, "subject_name"),
        person_id=_req(row, "internal_customer_id"),
        campaign_id=_req(row, "campaign_id"),
        event_id=row.get("event_id"),
        trigger_id=row.get("trigger_id"),
        started_at=_time(row, "started_campaign_at"),
    )


def _event(row: dict[str, str | None]) -> Event:
    try:
        properties = json.loads(_req(row, "properties"))
    except json.JSONDecodeError as error:
        raise BadRow("properties_not_json_object") from error
    if not isinstance(properties, dict):
        raise BadRow("properties_not_json_object")
    return Event(
        workspace_id=_req(row, "workspace_id"),
        event_id=_req(row, "event_id"),
        person_id=_req(row, "internal_customer_id"),
        name=_req(row, "name"),
        properties=properties,
        timestamp=_time(row, "timestamp"),
        received_at=_time(row, "received_at"),
    )


def _membership(row: dict[str, str | None]) -> Membership:
    if row.get("action") not in {"entered", "exited"}:
        raise BadRow("unknown_segment_action")
    return Membership(
        workspace_id=_req(row, "workspace_id"),
        person_id=_req(row, "internal_customer_id"),
        segment_id=_req(row, "segment_id"),
        occurred_at=_time(row, "occurred_at"),
        action=_req(row, "action"),
    )


def _attribute(row: dict[str, str | None]) -> Attribute:
    return Attribute(
        workspace_id=_req(row, "workspace_id"),
        person_id=_req(row, "internal_customer_id"),
        name=_req(row, "attribute_name"),
        value=row.get("attribute_value"),
        timestamp=_time(row, "timestamp"),
    )


def _campaign(row: dict[str, str | None]) -> Campaign:
    if row.get("kind") not in {"campaign", "newsletter"}:
        raise BadRow("unknown_campaign_kind")
    return Campaign(
        workspace_id=_req(row, "workspace_id"),
        campaign_id=_req(row, "campaign_id"),
        name=row.get("name"),
        kind=_req(row, "kind"),
        trigger_segment_id=row.get("trigger_segment_id"),
    )


def _action(row: dict[str, str | None]) -> Action:
    return Action(
        workspace_id=_req(row, "workspace_id"),
        action_id=_req(row, "action_id"),
        campaign_id=_req(row, "campaign_id"),
        action_type=_req(row, "action_type"),
        webhook_conversions_enabled=_bool(row.get("webhook_conversions_enabled")),
    )


def _goal_version(row: dict[str, str | None]) -> GoalVersion:
    goal_type = row.get("goal_type")
    if goal_type not in GOAL_TYPES:
        raise BadRow("unknown_goal_type")
    if row.get("basis") not in BASES:
        raise BadRow("unknown_basis")
    if row.get("exit_condition") not in EXIT_CONDITIONS:
        raise BadRow("unknown_exit_condition")
    window_text = row.get("window_days")
    window_days = None
    if window_text is not None:
        try:
            window_days = int(window_text)
        except ValueError as error:
            raise BadRow("window_days_out_of_range") from error
        if not 1 <= window_days <= 90:
            raise BadRow("window_days_out_of_range")
    filter_value = None
    if row.get("filter") is not None:
        try:
            filter_value = json.loads(row["filter"])
        except json.JSONDecodeError as error:
            raise BadRow("filter_not_json_object") from error
        if filter_value is not None and not isinstance(filter_value, dict):
            raise BadRow("filter_not_json_object")
    if goal_type == "event" and row.get("event_name") is None:
        raise BadRow("event_goal_without_event_name")
    if goal_type in {"segment_entered", "segment_exited"} and row.get("segment_id") is None:
        raise BadRow("segment_goal_without_segment_id")
    return GoalVersion(
        workspace_id=_req(row, "workspace_id"),
        campaign_id=_req(row, "campaign_id"),
        version=int(_req(row, "version")),
        valid_from=_time(row, "valid_from"),
        goal_type=goal_type,
        event_name=row.get("event_name"),
        segment_id=row.get("segment_id"),
        filter=json.dumps(filter_value, sort_keys=True) if filter_value is not None else None,
        window_days=window_days,
        basis=row["basis"],
        exit_condition=row["exit_condition"],
    )


def _index(row: dict[str, str | None], column: str) -> int | None:
    """An optional 0-based index; a value that is not a whole number >= 0 breaks the row."""
    text = row.get(column)
    if text is None:
        return None
    try:
        index = int(text)
    except ValueError as error:
        raise BadRow(f"invalid_{column}") from error
    if index < 0:
        raise BadRow(f"invalid_{column}")
    return index


def _output(row: dict[str, str | None]) -> Output:
    branch_index = _index(row, "branch_index")
    if row.get("output_type") == RANDOM_COHORT_BRANCH and (
        branch_index is None or row.get("subject_name") is None or row.get("action_id") is None
    ):
        # An assignment names its journey, its branch and the path taken.
        raise BadRow("random_cohort_branch_incomplete")
    return Output(
        workspace_id=_req(row, "workspace_id"),
        output_id=_req(row, "output_id"),
        journey_id=row.get("subject_name"),
        output_type=row.get("output_type"),
        action_id=row.get("action_id"),
        delivery_id=row.get("delivery_id"),
        split_test_index=_index(row, "split_test_index"),
        branch_index=branch_index,
        created_at=_time(row, "created_at"),
    )


def _branch_path(row: dict[str, str | None]) -> BranchPath:
    try:
        weight = Decimal(_req(row, "weight_percent"))
    except InvalidOperation as error:
        raise BadRow("invalid_weight_percent") from error
    if not weight.is_finite() or not 0 <= weight <= 100:
        raise BadRow("weight_percent_out_of_range")
    # Roles are words of the platform's UI: any case, surrounding blanks ignored.
    role = (row.get("role") or "").strip().lower()
    if role not in {"control", "treatment"}:
        raise BadRow("unknown_role")
    branch_index = _index(row, "branch_index")
    if branch_index is None:
        raise BadRow("null branch_index")
    return BranchPath(
        workspace_id=_req(row, "workspace_id"),
        action_id=_req(row, "action_id"),
        branch_index=branch_index,
        campaign_id=_req(row, "campaign_id"),
        weight_percent=weight,
        role=role,
    )


def first_assignments(outputs: Iterable[Output]) -> list[Output]:
    """Of a journey's assignments at one branch the first (created_at, then output_id) holds;
    the later rows are quarantined (issue 22), every other output row stays."""
    first: dict[tuple, Output] = {}
    kept = []
    for output in outputs:
        if output.output_type != RANDOM_COHORT_BRANCH:
            kept.append(output)
            continue
        key = (output.workspace_id, output.journey_id, output.action_id)
        held = first.get(key)
        if held is None or (output.created_at, output.output_id) < (
            held.created_at,
            held.output_id,
        ):
            first[key] = output
    return kept + list(first.values())


def valid_branches(paths: Iterable[BranchPath]) -> list[BranchPath]:
    """The paths of branches whose weights sum to exactly 100 with exactly one control; every
    path of any other branch is quarantined."""
    by_branch: dict[tuple[str, str], list[BranchPath]] = defaultdict(list)
    for path in paths:
        by_branch[(path.workspace_id, path.action_id)].append(path)
    return [
        path
        for branch in by_branch.values()
        if sum(p.weight_percent for p in branch) == 100
        and sum(p.role == "control" for p in branch) == 1
        for path in branch
    ]


def stage(landing_dir: Path) -> Staged:
    """The staged rows of a landing folder (csv files only)."""
    staged = Staged()
    staged.campaigns = _config(
        read_rows(landing_dir, "campaigns"),
        lambda r: (r.get("workspace_id"), r.get("campaign_id")),
        _campaign,
    )
    staged.actions = _config(
        read_rows(landing_dir, "campaign_actions"),
        lambda r: (r.get("workspace_id"), r.get("action_id")),
        _action,
    )
    versions = _config(
        read_rows(landing_dir, "goal_versions"),
        lambda r: (r.get("workspace_id"), r.get("campaign_id"), r.get("version")),
        _goal_version,
    )
    # The filter is kept as canonical JSON text above so rows compare by value; parse it back.
    staged.goal_versions = [
        GoalVersion(**{**v.__dict__, "filter": json.loads(v.filter) if v.filter else None})
        for v in versions
    ]
    people = _latest_by_seq(
        read_rows(landing_dir, "people"),
        lambda r: (r.get("workspace_id"), r.get("internal_customer_id")),
        lambda r: (_req(r, "workspace_id"), _req(r, "internal_customer_id")),
    )
    staged.people = set(people)
    staged.deliveries = _latest_by_seq(
        read_rows(landing_dir, "deliveries"), lambda r: (r.get("delivery_id"),), _delivery
    )
    delivery_ids = {d.delivery_id for d in staged.deliveries}
    metrics = _latest_by_seq(
        read_rows(landing_dir, "metrics"), lambda r: (r.get("event_id"),), _metric
    )
    # A metric whose delivery does not exist is bad input (contract section 2).
    staged.metrics = [m for m in metrics if m.delivery_id in delivery_ids]
    # A journey of a person or campaign not (yet) landed is valid: it simply has no goal.
    staged.subjects = _latest_by_seq(
        read_rows(landing_dir, "subjects"), lambda r: (r.get("subject_name"),), _subject
    )
    staged.events = _latest_by_seq(
        read_rows(landing_dir, "events"), lambda r: (r.get("event_id"),), _event
    )
    staged.memberships = _latest_by_seq(
        read_rows(landing_dir, "segment_memberships"),
        lambda r: (
            r.get("workspace_id"),
            r.get("internal_customer_id"),
            r.get("segment_id"),
            _time(r, "occurred_at"),
            r.get("action"),
        ),
        _membership,
    )
    staged.attributes = _latest_by_seq(
        read_rows(landing_dir, "attributes"),
        lambda r: (
            r.get("workspace_id"),
            r.get("internal_customer_id"),
            r.get("attribute_name"),
            _time(r, "timestamp"),
        ),
        _attribute,
    )
    staged.outputs = first_assignments(
        _latest_by_seq(read_rows(landing_dir, "outputs"), lambda r: (r.get("output_id"),), _output)
    )
    staged.branch_paths = valid_branches(
        _config(
            read_rows(landing_dir, "branch_paths"),
            lambda r: (r.get("workspace_id"), r.get("action_id"), r.get("branch_index")),
            _branch_path,
        )
    )
    return staged
