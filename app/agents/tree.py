"""The shape of the network as a closure table (see AgentClosure); used inside service transactions.

Every change of shape (an agent joins, moves or leaves) first takes `lock_tree()`,
so shape changes run one at a time: they are rare next to reads, and serialising
them is what keeps the closure rows consistent and cycles impossible under
concurrency. Reads need no lock.
"""
from peewee import JOIN, fn

from app.agents.models import Agent, AgentClosure, AgentTreeLock
from app.database import upsert

TREE_LOCK_ID = 1
CHUNK = 500


def lock_tree():
    """Take the lock every change of the tree's shape holds until its transaction ends.

    An upsert, not SELECT … FOR UPDATE: on MySQL it takes the row's exclusive lock
    directly even when the row must first be created, where a locking read of a
    missing row takes a shared gap lock that two transactions then deadlock on.
    """
    upsert(AgentTreeLock, {"id": TREE_LOCK_ID}, conflict_fields=[AgentTreeLock.id], update_fields=[AgentTreeLock.id])


def attach(agent_id, upline_id):
    """Give a new agent its closure rows: itself at depth 0, and every ancestor of `upline_id`."""
    AgentClosure.insert(ancestor=agent_id, descendant=agent_id, depth=0).execute()
    if upline_id is not None:
        above = (AgentClosure.select(AgentClosure.ancestor, agent_id, AgentClosure.depth + 1)
                 .where(AgentClosure.descendant == upline_id))
        AgentClosure.insert_from(above, [AgentClosure.ancestor, AgentClosure.descendant, AgentClosure.depth]).execute()


def is_within(root_id, agent_id):
    """True when `agent_id` is `root_id` or below it."""
    return AgentClosure.select().where(AgentClosure.ancestor == root_id, AgentClosure.descendant == agent_id).exists()


def _ids(query):
    return [row[0] for row in query.tuples()]


def ancestor_ids(agent_id):
    """The agent's uplines, nearest first."""
    return _ids(AgentClosure.select(AgentClosure.ancestor)
                .where(AgentClosure.descendant == agent_id, AgentClosure.depth > 0)
                .order_by(AgentClosure.depth))


def _subtree_ids(agent_id, *, include_self):
    query = AgentClosure.select(AgentClosure.descendant).where(AgentClosure.ancestor == agent_id)
    return _ids(query if include_self else query.where(AgentClosure.depth > 0))


def _chunks(ids):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def move(agent_id, new_upline_id):
    """Re-hang the agent and its whole subtree under `new_upline_id` (None: to the top)."""
    old_ancestors = ancestor_ids(agent_id)
    if old_ancestors:
        for chunk in _chunks(_subtree_ids(agent_id, include_self=True)):
            (AgentClosure.delete()
             .where(AgentClosure.ancestor.in_(old_ancestors), AgentClosure.descendant.in_(chunk)).execute())
    if new_upline_id is not None:
        above = AgentClosure.alias("above")
        below = AgentClosure.alias("below")
        pairs = (above.select(above.ancestor, below.descendant, above.depth + below.depth + 1)
                 .join(below, on=(below.ancestor == agent_id))
                 .where(above.descendant == new_upline_id))
        AgentClosure.insert_from(pairs, [AgentClosure.ancestor, AgentClosure.descendant, AgentClosure.depth]).execute()


def lift_subtree(agent_id):
    """Take a leaving agent out of its subtree's chains: everything below moves one step up."""
    ancestors = ancestor_ids(agent_id)
    below = _subtree_ids(agent_id, include_self=False)
    for chunk in _chunks(below):
        if ancestors:
            (AgentClosure.update(depth=AgentClosure.depth - 1)
             .where(AgentClosure.ancestor.in_(ancestors), AgentClosure.descendant.in_(chunk)).execute())
        AgentClosure.delete().where(AgentClosure.ancestor == agent_id, AgentClosure.descendant.in_(chunk)).execute()


def _current_members(root_id):
    return (AgentClosure.select()
            .join(Agent, on=(Agent.id == AgentClosure.descendant))
            .where(AgentClosure.ancestor == root_id, AgentClosure.depth > 0, Agent.status != "left"))


def counts(root_id):
    """[(depth, level id, members)] of the current downline (agents who left are not counted)."""
    query = (_current_members(root_id).select(AgentClosure.depth, Agent.level, fn.COUNT(AgentClosure.descendant))
             .group_by(AgentClosure.depth, Agent.level))
    return list(query.tuples())


def members(root_id, *, offset, limit, max_depth=None):
    """A page of the current downline, nearest first: agents annotated with `.depth`."""
    query = (Agent.select(Agent, AgentClosure.depth)
             .join(AgentClosure, JOIN.INNER, on=(AgentClosure.descendant == Agent.id))
             .where(AgentClosure.ancestor == root_id, AgentClosure.depth > 0, Agent.status != "left"))
    if max_depth is not None:
        query = query.where(AgentClosure.depth <= max_depth)
    return list(query.order_by(AgentClosure.depth, Agent.id).offset(offset).limit(limit).objects())


def subtree(root_id):
    """A subquery of the ids of `root_id` and everyone below it, for aggregates over a team."""
    return AgentClosure.select(AgentClosure.descendant).where(AgentClosure.ancestor == root_id)
