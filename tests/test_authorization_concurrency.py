"""Certificates under concurrency (MySQL, real commits): one number per issuance however many ask at once."""
import threading

import pytest

from app.agents import service as agents
from app.authorization import service as authorization
from app.authorization.models import AgentCertificate, AgentWechatId
from app.database import db
from tests.factories import make_agent, make_level, outcomes_in_threads

pytestmark = [pytest.mark.mysql_only, pytest.mark.committed]
THREADS = 12


def _numbers_seen(agent_id):
    seen, lock = [], threading.Lock()

    def ask():
        number = authorization.certificate_for_agent(agent_id=agent_id).certificate.number
        with lock:
            seen.append(number)
    return seen, ask


def test_a_first_certificate_asked_for_at_once_is_issued_once():
    agent = make_agent()
    seen, ask = _numbers_seen(agent.id)
    assert outcomes_in_threads(ask, THREADS) == ["ok"] * THREADS
    db.connect(reuse_if_open=True)
    assert len(set(seen)) == 1
    assert AgentCertificate.select().where(AgentCertificate.agent == agent.id).count() == 1


def test_a_change_asked_for_at_once_supersedes_once_and_issues_one_number():
    agent = make_agent()
    old = authorization.certificate_for_agent(agent_id=agent.id).certificate.number
    agents.change_level(agent_id=agent.id, level_id=make_level(rank=0).id, reason="升级", actor_id=None)
    seen, ask = _numbers_seen(agent.id)
    assert outcomes_in_threads(ask, THREADS) == ["ok"] * THREADS
    db.connect(reuse_if_open=True)
    rows = list(AgentCertificate.select().where(AgentCertificate.agent == agent.id).order_by(AgentCertificate.id))
    assert len(set(seen)) == 1 and old not in seen
    assert [(row.number, row.current_key) for row in rows] == [(old, None), (seen[0], agent.id)]


def test_one_wechat_id_claimed_by_many_agents_at_once_goes_to_one():
    claimants = iter([make_agent().id for _ in range(THREADS)])
    lock = threading.Lock()

    def claim():
        with lock:
            agent_id = next(claimants)
        authorization.set_wechat_id(agent_id=agent_id, wechat_id="rose_shop88")
    outcomes = outcomes_in_threads(claim, THREADS)
    db.connect(reuse_if_open=True)
    assert outcomes == ["Conflict"] * (THREADS - 1) + ["ok"]
    assert AgentWechatId.select().where(AgentWechatId.wechat_id == "rose_shop88").count() == 1


def test_an_old_number_verified_by_many_at_once_after_a_change_answers_one_new_number():
    agent = make_agent()
    old = authorization.certificate_for_agent(agent_id=agent.id).certificate.number
    agents.change_level(agent_id=agent.id, level_id=make_level(rank=0).id, reason="升级", actor_id=None)
    answers, lock = [], threading.Lock()

    def verify():
        [answer] = authorization.verify(text=old, ip="10.0.0.1")
        with lock:
            answers.append((answer.result, answer.number))
    assert outcomes_in_threads(verify, THREADS) == ["ok"] * THREADS
    db.connect(reuse_if_open=True)
    current = AgentCertificate.get(AgentCertificate.current_key == agent.id).number
    assert set(answers) == {("changed", current)} and current != old
