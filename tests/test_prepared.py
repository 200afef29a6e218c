"""`Prepared` answers what the query it was built from would, with new values each time, and takes no value of
its own."""
import pytest
from peewee import SQL

from app.database import Prepared, create_row
from app.agents.models import Agent, AgentLevel
from tests.factories import make_agent, make_level

AGENT_WITH_LEVEL = Prepared(lambda param: Agent.select(Agent, AgentLevel).join(AgentLevel).where(Agent.id == param))
NAMES_OF_LEVELS_FROM = Prepared(lambda param: AgentLevel.select(AgentLevel.name).where(AgentLevel.rank >= param)
                                .order_by(AgentLevel.rank).tuples())


def test_a_prepared_query_answers_models_with_their_joins_for_each_value():
    first, second = make_agent(level=make_level(name="总代")), make_agent(level=make_level(name="一级"))
    for agent in (first, second):
        found = AGENT_WITH_LEVEL.first(agent.id)
        assert (found.id, found.name, found.level.name) == (agent.id, agent.name, agent.level.name)
        assert found.joined_at == Agent.get_by_id(agent.id).joined_at


def test_a_prepared_query_answers_tuples_and_nothing_for_no_row():
    make_level(name="总代", rank=1), make_level(name="一级", rank=2)
    assert NAMES_OF_LEVELS_FROM.rows(2) == [("一级",)]
    assert NAMES_OF_LEVELS_FROM.rows(3) == [] and AGENT_WITH_LEVEL.first(999999) is None


LEVEL_COLUMNS = (lambda param: AgentLevel.select(AgentLevel.id, AgentLevel.name, AgentLevel.rank)
                 .where(AgentLevel.id == param).tuples())
AGENT_COLUMNS_CONVERTED = (lambda param: Agent.select(Agent.id, Agent.level, Agent.joined_at, AgentLevel.may_recruit)
                           .join(AgentLevel).where(Agent.id == param).tuples())


@pytest.mark.parametrize("build, value_of", [(LEVEL_COLUMNS, lambda agent: agent.level_id),
                                             (AGENT_COLUMNS_CONVERTED, lambda agent: agent.id)],
                         ids=["as fetched", "converted"])
def test_prepared_tuples_are_the_querys_on_every_run_whether_their_columns_convert_or_not(build, value_of):
    prepared, agents = Prepared(build), [make_agent(level=make_level(name=name)) for name in ("总代", "一级", "二级")]
    for agent in agents:
        rows, expected = prepared.rows(value_of(agent)), list(build(value_of(agent)))
        assert rows == expected and [type(v) for v in rows[0]] == [type(v) for v in expected[0]]


def test_a_query_with_a_value_of_its_own_is_refused():
    with pytest.raises(ValueError, match="every value as a parameter"):
        Prepared(lambda param: AgentLevel.select().where(AgentLevel.rank >= 1, AgentLevel.id == param)).rows(1)
    assert Prepared(lambda _: AgentLevel.select().where(AgentLevel.rank >= SQL("1"))).rows() == []


def test_create_row_fills_defaults_converts_values_and_answers_the_new_id():
    level = make_level()
    created = create_row(AgentLevel, name="特约", rank=99, active=False)
    stored = AgentLevel.get_by_id(created.id)
    assert created.id != level.id and (stored.name, stored.rank, stored.active) == ("特约", 99, False)
    assert stored.min_first_purchase_fen == created.min_first_purchase_fen == 0 and stored.created_at is not None
    assert not created.is_dirty()


def test_create_row_or_ignore_leaves_an_existing_unique_key_alone():
    first = create_row(AgentLevel, or_ignore=True, name="特约", rank=99)
    assert first is not None
    assert create_row(AgentLevel, or_ignore=True, name="特约", rank=99) is None
    assert [level.id for level in AgentLevel.select().where(AgentLevel.name == "特约")] == [first.id]
