"""Read-only views of the tree for commission: each buyer's upline chain, and who is in whose team."""
import functools
from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN

from app.agents.models import Agent, AgentApplication, AgentClosure, AgentLevel
from app.database import Prepared

CHUNK = 500


@dataclass(frozen=True)
class ChainMember:
    """An agent of a chain: itself at depth 0, its uplines above; with its level and who recruited it."""

    agent_id: int
    name: str
    level_id: int
    level_name: str
    level_rank: int
    depth: int
    recruiter_id: int | None
    joined_at: datetime


def _chunks(ids):
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


@functools.lru_cache(maxsize=64)
def _chains_of(count):
    """The prepared read of `count` agents' chains (every payment settles one buyer's chain)."""
    return Prepared(lambda param: (
        AgentClosure
        .select(AgentClosure.descendant, AgentClosure.depth, Agent.id, Agent.name, Agent.level,
                AgentLevel.name, AgentLevel.rank, Agent.upline, Agent.joined_at, AgentApplication.inviter)
        .join(Agent, on=(Agent.id == AgentClosure.ancestor))
        .join(AgentLevel, on=(AgentLevel.id == Agent.level))
        .join(AgentApplication, JOIN.LEFT_OUTER,
              on=((AgentApplication.agent == Agent.id) & (AgentApplication.status == param)))
        .where(AgentClosure.descendant.in_([param] * count), AgentClosure.depth <= param)
        .order_by(AgentClosure.descendant, AgentClosure.depth)
        .tuples()))


def upline_chains(agent_ids, *, max_depth):
    """{agent id: [ChainMember]} — each agent (depth 0) and its uplines up to `max_depth`, nearest first.

    The recruiter is whoever invited the agent (its approved application), else its direct upline.
    """
    chains = {agent_id: [] for agent_id in agent_ids}
    for chunk in _chunks(agent_ids):
        rows = _chains_of(len(chunk)).rows("approved", *chunk, max_depth)
        for descendant, depth, agent_id, name, level_id, level_name, rank, upline_id, joined_at, inviter in rows:
            chains[descendant].append(ChainMember(agent_id=agent_id, name=name, level_id=level_id,
                                                  level_name=level_name, level_rank=rank, depth=depth,
                                                  recruiter_id=inviter or upline_id, joined_at=joined_at))
    return chains


def team_links(agent_ids, *, max_depth):
    """[(ancestor id, descendant id, depth)] for each of `agent_ids` and its uplines up to `max_depth` (self at 0)."""
    links = []
    for chunk in _chunks(agent_ids):
        links.extend(AgentClosure.select(AgentClosure.ancestor, AgentClosure.descendant, AgentClosure.depth)
                     .where(AgentClosure.descendant.in_(chunk), AgentClosure.depth <= max_depth).tuples())
    return links


def uplines_and_names(agent_ids):
    """{agent id: (its direct upline's id or None, its name)}."""
    found = {}
    for chunk in _chunks(agent_ids):
        found.update((agent_id, (upline_id, name)) for agent_id, upline_id, name in
                     Agent.select(Agent.id, Agent.upline, Agent.name).where(Agent.id.in_(chunk)).tuples())
    return found
