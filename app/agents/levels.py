"""Levels of the network, configured by the owner."""
from peewee import IntegrityError

from app.agents.models import Agent, AgentLevel
from app.database import Prepared, db
from app.errors import Conflict, NotFound
from app.reference import LEVELS, Referenced

LEVEL_FIELDS = ("name", "rank", "may_recruit", "orders_need_upline_approval", "may_see_team",
                "min_first_purchase_fen", "auto_approve_applications", "active", "term_days",
                "review_window_days", "promote_purchase_fen", "promote_recruits", "demote_below_purchase_fen",
                "level_changes_need_approval")


def list_levels():
    """Every level, highest first."""
    return list(AgentLevel.select().order_by(AgentLevel.rank))


_ALL_LEVELS = Prepared(lambda _: AgentLevel.select().order_by(AgentLevel.rank))
_levels = Referenced(LEVELS, size=1)


def _levels_by_id():
    """{level id: level}, highest first, kept per process under the levels' version (app/reference.py)."""
    return _levels.get("all", lambda: {level.id: level for level in _ALL_LEVELS.rows()})


def active_levels():
    """Every active level, highest first."""
    return [level for level in _levels_by_id().values() if level.active]


def cached_level(level_id):
    """The level with this id as kept per process (app/reference.py), or None: to read, never to change."""
    return _levels_by_id().get(level_id)


def get_level(level_id):
    """One level, or NotFound."""
    level = AgentLevel.get_or_none(AgentLevel.id == level_id)
    if level is None:
        raise NotFound("等级不存在", code="level_not_found")
    return level


def _save(level):
    try:
        with db.atomic():
            level.save()
    except IntegrityError as exc:
        raise Conflict("等级名称或排序已被其他等级使用", code="level_taken",
                       fields={"name": "名称或排序重复", "rank": "名称或排序重复"}) from exc
    return level


def create_level(**values):
    """Create a level; name and rank are unique."""
    return _save(AgentLevel(**{key: values[key] for key in LEVEL_FIELDS if key in values}))


def update_level(level_id, **values):
    """Change some of a level's settings."""
    level = get_level(level_id)
    for key in LEVEL_FIELDS:
        if key in values:
            setattr(level, key, values[key])
    return _save(level)


def delete_level(level_id):
    """Delete a level no agent holds (409 otherwise; deactivate it instead)."""
    level = get_level(level_id)
    if Agent.select().where(Agent.level == level.id).exists():
        raise Conflict("该等级下还有代理，不能删除（可先调整代理等级，或停用该等级）", code="level_in_use")
    try:
        with db.atomic():
            level.delete_instance()
    except IntegrityError as exc:
        raise Conflict("该等级有申请或调级记录，不能删除，请停用该等级", code="level_referenced") from exc


def next_level(level, *, direction):
    """The active level one rank above (direction "up") or below ("down"), or None."""
    query = AgentLevel.select().where(AgentLevel.active == True)  # noqa: E712
    if direction == "up":
        return query.where(AgentLevel.rank < level.rank).order_by(AgentLevel.rank.desc()).first()
    return query.where(AgentLevel.rank > level.rank).order_by(AgentLevel.rank).first()
