"""审核, 通过, 驳回 in the chat: the owner decides applications and level proposals by their short numbers."""
from app.agents.models import Agent, AgentApplication, LevelProposal
from tests.factories import (bound_admin, bound_agent, chat, make_agent, pending_application, pending_proposal,
                             post_wechat, reply_content, text_xml)


def test_review_lists_pending_applications_and_proposals_with_their_numbers(client):
    application = pending_application(make_agent(name="李四"), name="张三")
    proposal, agent = pending_proposal()
    reply = chat(client, bound_admin("owner")[1], "审核")
    assert reply.startswith("待审核：申请 1 个，调级 1 个")
    assert f"S{application.id} 张三 申请成为" in reply and "邀请人 李四" in reply
    assert f"T{proposal.id} {agent.name} " in reply and "→" in reply


def test_review_with_nothing_pending_says_so(client):
    assert chat(client, bound_admin("staff")[1], "审核") == "暂无待审核的申请或调级。"


def test_approving_an_application_by_reply_records_the_admin_as_actor(client):
    owner, openid = bound_admin("owner")
    application = pending_application()
    reply = chat(client, openid, f"通过 S{application.id}")
    assert reply.startswith(f"已通过申请 S{application.id}：{application.name} 成为")
    decided = AgentApplication.get_by_id(application.id)
    assert (decided.status, decided.decided_by_id) == ("approved", owner.id)
    assert Agent.select().where(Agent.name == application.name).count() == 1


def test_a_repeated_approval_message_approves_once(client):
    _, openid = bound_admin("owner")
    application = pending_application()
    xml = text_xml(openid, f"通过 s{application.id}", msg_id=880000111)
    first, repeat = reply_content(post_wechat(client, xml)), reply_content(post_wechat(client, xml))
    assert first == repeat and first.startswith("已通过申请")
    assert Agent.select().where(Agent.name == application.name).count() == 1


def test_approving_an_application_already_decided_says_so(client):
    _, openid = bound_admin("owner")
    application = pending_application()
    chat(client, openid, f"通过 S{application.id}")
    assert chat(client, openid, f"通过 S{application.id}") == "该申请已处理"


def test_rejecting_an_application_records_the_reason(client):
    staff, openid = bound_admin("staff")
    application = pending_application()
    assert chat(client, openid, f"驳回 S{application.id} 资料不全") == f"已驳回申请 S{application.id}。"
    decided = AgentApplication.get_by_id(application.id)
    assert (decided.status, decided.decision_reason, decided.decided_by_id) == ("rejected", "资料不全", staff.id)


def test_rejecting_without_a_reason_is_shown_how(client):
    _, openid = bound_admin("owner")
    application = pending_application()
    assert chat(client, openid, f"驳回 S{application.id}").startswith("请回复「通过 编号」或「驳回 编号 原因」")
    assert AgentApplication.get_by_id(application.id).status == "pending"


def test_approving_a_proposal_by_reply_changes_the_level(client):
    owner, openid = bound_admin("owner")
    proposal, agent = pending_proposal()
    assert chat(client, openid, f"通过 T{proposal.id}").startswith(f"已通过调级 T{proposal.id}：{agent.name} 调为")
    assert Agent.get_by_id(agent.id).level_id == proposal.to_level_id
    assert LevelProposal.get_by_id(proposal.id).decided_by_id == owner.id


def test_rejecting_a_proposal_keeps_the_level(client):
    _, openid = bound_admin("owner")
    proposal, agent = pending_proposal()
    assert chat(client, openid, f"驳回 T{proposal.id} 再观察一个月") == f"已驳回调级 T{proposal.id}。"
    assert Agent.get_by_id(agent.id).level_id == proposal.from_level_id


def test_a_number_that_names_nothing_is_not_found(client):
    assert chat(client, bound_admin("owner")[1], "通过 S999999") == "申请不存在"


def test_a_reply_without_a_number_is_shown_how(client):
    assert chat(client, bound_admin("owner")[1], "通过 张三").startswith("请回复「通过 编号」")


def test_an_agent_cannot_approve(client):
    application = pending_application()
    _, openid = bound_agent()
    assert "不在您可用的指令中" in chat(client, openid, f"通过 S{application.id}")
    assert AgentApplication.get_by_id(application.id).status == "pending"
