"""The goal filter of contract section 1, evaluated on one event."""

import json
from typing import Any

MISSING = object()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> str:
    """A JSON value as text: strings bare, everything else as its JSON spelling."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _present(value: Any) -> bool:
    # decisions.md: a JSON null counts as missing.
    return value is not MISSING and value is not None


def condition_matches(
    condition: dict[str, Any],
    properties: dict[str, Any],
    trigger: dict[str, Any] | None,
    attributes: dict[str, str],
) -> bool:
    operator = condition.get("operator")
    value = properties.get(condition.get("property"), MISSING)
    if operator == "exists":
        return _present(value)
    if operator == "not_exists":
        return not _present(value)
    compare_to = condition.get("compare_to")
    if compare_to is not None:
        if "trigger_event_property" in compare_to:
            other = (trigger or {}).get(compare_to["trigger_event_property"], MISSING)
        else:
            other = attributes.get(compare_to.get("person_attribute"), MISSING)
    else:
        other = condition.get("value", MISSING)
    if not _present(value) or not _present(other):
        return False
    if _is_number(value) and _is_number(other):
        left, right = value, other
    else:
        left, right = _text(value), _text(other)
    if operator == "eq":
        return left == right
    if operator == "neq":
        return left != right
    if operator == "gt":
        return left > right
    if operator == "gte":
        return left >= right
    if operator == "lt":
        return left < right
    if operator == "lte":
        return left <= right
    if operator == "contains":
        return _text(other) in _text(value)
    return False  # decisions.md: an unknown operator matches nothing


def filter_matches(
    goal_filter: dict[str, Any] | None,
    properties: dict[str, Any],
    trigger: dict[str, Any] | None,
    attributes: dict[str, str],
) -> bool:
    """An empty or null filter matches every event; otherwise `all` or `any` of its conditions."""
    conditions = (goal_filter or {}).get("conditions") or []
    if not conditions:
        return True
    results = [condition_matches(c, properties, trigger, attributes) for c in conditions]
    if (goal_filter or {}).get("match") == "any":
        return any(results)
    return all(results)
