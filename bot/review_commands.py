"""审核, 通过, 驳回: the owner decides agent applications and level proposals from the chat.

Each waiting item has a short number: S and the application's id (申请), T and the
proposal's id (调级). Numbers stay valid while other items are decided, so a reply
never lands on the wrong item; the decision is recorded with the admin user as actor.
"""
import re

from app.agents import service as agents
from bot.commands import BRAND, clipped, command

SHOWN = 5
NUMBER = re.compile(r"([ST])(\d{1,9})", re.IGNORECASE)
USAGE = "请回复「通过 编号」或「驳回 编号 原因」，编号见「审核」，如：通过 S12"


@command("审核", aliases=("sh",), roles=BRAND, summary="待审核的代理申请与调级")
def pending(_asker, _args):
    waiting = agents.pending_decisions(limit=SHOWN)
    if not waiting.application_total and not waiting.proposal_total:
        return "暂无待审核的申请或调级。"
    lines = [f"待审核：申请 {waiting.application_total} 个，调级 {waiting.proposal_total} 个"]
    lines += [f"S{row['id']} {clipped(row['name'], 10)} 申请成为{row['level']}（邀请人 {clipped(row['inviter'], 10)}）"
              for row in waiting.applications]
    lines += [f"T{row['id']} {clipped(row['agent'], 10)} {row['from_level']}→{row['to_level']}："
              f"{clipped(row['reason'], 30)}" for row in waiting.proposals]
    hidden = (waiting.application_total + waiting.proposal_total
              - len(waiting.applications) - len(waiting.proposals))
    if hidden:
        lines.append(f"另有 {hidden} 个，请到后台处理。")
    lines.append("回复「通过 S12」或「驳回 S12 原因」。")
    return "\n".join(lines)


@command("通过", aliases=("tg",), roles=BRAND, summary="通过申请或调级（通过 编号）")
def approve(asker, args):
    kind, item_id, _ = _parse(args)
    if kind is None:
        return USAGE
    if kind == "S":
        agent = agents.approve_application(application_id=item_id, actor_id=asker.record_id)
        return f"已通过申请 S{item_id}：{agent.name} 成为{agent.level.name}。"
    proposal = agents.approve_proposal(proposal_id=item_id, actor_id=asker.record_id)
    return f"已通过调级 T{item_id}：{proposal.agent.name} 调为{proposal.to_level.name}。"


@command("驳回", aliases=("bh",), roles=BRAND, summary="驳回申请或调级（驳回 编号 原因）")
def reject(asker, args):
    kind, item_id, reason = _parse(args)
    if kind is None or not reason:
        return USAGE
    if kind == "S":
        agents.reject_application(application_id=item_id, actor_id=asker.record_id, reason=reason)
        return f"已驳回申请 S{item_id}。"
    agents.reject_proposal(proposal_id=item_id, actor_id=asker.record_id, reason=reason)
    return f"已驳回调级 T{item_id}。"


def _parse(args):
    """(kind "S"/"T", id, the rest as the reason) of "S12 原因", or (None, None, "") when it is no number."""
    number, _, reason = args.partition(" ")
    match = NUMBER.fullmatch(number)
    if match is None:
        return None, None, ""
    return match.group(1).upper(), int(match.group(2)), reason.strip()
