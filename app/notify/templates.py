"""Template ids and field mappings come from NOTIFY_TEMPLATES (JSON): WeChat's field keys differ per template.

    {"low_stock": {
        "official":     {"template_id": "…", "fields": {"thing1": "{product}", "number2": "{available}"},
                         "page": "pages/stock/index"},
        "mini_program": {"template_id": "…", "fields": {"thing1": "{product}"}, "page": "pages/stock/index"}}}

`official` is a template message of the official account, `mini_program` a subscribe
message of the mini-program. A field is a pattern whose `{name}` placeholders take the
message's data; the value is cut to 20 characters on one line (WeChat's rules).
"""
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from app.config import get_settings

OFFICIAL, MINI_PROGRAM = "official", "mini_program"
FIELD_MAX_CHARS = 20
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    """One configured template: its id, field patterns and the page a tap opens."""

    template_id: str
    fields: dict
    page: str = ""


@lru_cache(maxsize=4)
def _parse(raw):
    return json.loads(raw or "{}")


def template_for(kind, channel):
    """The template configured for a kind of message on a channel, or None."""
    entry = (_parse(get_settings().NOTIFY_TEMPLATES).get(kind) or {}).get(channel)
    if not isinstance(entry, dict) or not entry.get("template_id"):
        return None
    return Template(str(entry["template_id"]), dict(entry.get("fields") or {}), str(entry.get("page") or ""))


def configured_kinds():
    """Every kind of message NOTIFY_TEMPLATES names."""
    return list(_parse(get_settings().NOTIFY_TEMPLATES))


def field_value(pattern, data):
    """A pattern filled from data, on one line and at most FIELD_MAX_CHARS characters."""
    value = _PLACEHOLDER.sub(lambda match: str(data.get(match.group(1), "")), str(pattern))
    value = " ".join(value.split())
    return value if len(value) <= FIELD_MAX_CHARS else value[:FIELD_MAX_CHARS - 1] + "…"


def render(template, data):
    """The `data` body WeChat expects: {key: {"value": …}} for every configured field."""
    return {key: {"value": field_value(pattern, data)} for key, pattern in template.fields.items()}
