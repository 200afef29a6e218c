"""Chat commands: Chinese names with short aliases, who may ask each, and the 帮助 menu.

A domain adds its command with one decorated function that calls its service and
words the answer, e.g.

    @command("库存", aliases=("kc",), roles=BRAND, summary="低于安全库存的商品")
    def low_stock(asker, args):
        return format_low_stock(inventory.products_under_threshold())

A command may also `recognise` input that starts with no command word (a bare
authenticity code): its function then gets the whole text as `args`. The check of who
may ask runs before the function: an agent asking a brand command learns nothing but
that it is not theirs. The commands live beside this registry, one module per
domain (`bot/*_commands.py`), imported by `bot/__init__.py`.
"""
from dataclasses import dataclass
from typing import Callable

from app.agents import service as agents
from app.chat import service as chat
from app.clock import to_local, utcnow

BRAND = frozenset({"owner", "staff"})
AGENT = frozenset({"agent"})
BOUND = frozenset({"owner", "staff", "finance", "warehouse", "agent"})
ANYONE = frozenset()

NOT_BOUND = "您还没有绑定账号。请在后台（品牌方）或小程序（代理）中打开「绑定公众号」，用微信扫描二维码完成绑定。"
REBIND = "您的后台账号已退出登录或更改了密码，此微信的绑定已失效。请登录后台，在「绑定微信」重新扫码绑定。"
AGENT_STATUS_NAMES = agents.AGENT_STATUS_NAMES


@dataclass(frozen=True)
class Command:
    """A chat command: its name, aliases, who may ask, a one-line summary and the function answering it."""

    name: str
    aliases: tuple
    roles: frozenset
    summary: object  # a str, or {role: str, "": default} when the command differs by role
    answer: Callable
    recognises: Callable = None


_COMMANDS = []
_BY_WORD = {}


def command(name, *, aliases=(), roles=ANYONE, summary, recognises=None):
    """Register the decorated `answer(asker, args) -> str` as a chat command (also for text `recognises(text)`)."""
    def register(answer):
        entry = Command(name, tuple(aliases), frozenset(roles), summary, answer, recognises)
        for word in (name, *aliases):
            if word.lower() in _BY_WORD:
                raise ValueError(f"chat command word {word!r} is taken")
            _BY_WORD[word.lower()] = entry
        _COMMANDS.append(entry)
        return answer
    return register


def may_ask(entry, asker):
    """True when the asker's role allows the command (ANYONE lets even the unbound ask)."""
    return not entry.roles or asker.role in entry.roles


def answer_text(text, asker):
    """The reply to a text message: the command's answer, a refusal, or the menu for unknown input."""
    text = " ".join(text.split())
    word, _, args = text.partition(" ")
    entry = _BY_WORD.get(word.lower())
    if entry is None:  # no command word: maybe text a command recognises whole, such as a bare code
        entry = next((candidate for candidate in _COMMANDS if candidate.recognises and candidate.recognises(text)),
                     None)
        args = text
    if entry is None:
        return "没有这个指令。\n" + menu(asker)
    if not may_ask(entry, asker):
        return not_bound(asker) if not asker.bound else f"「{entry.name}」不在您可用的指令中。\n" + menu(asker)
    return entry.answer(asker, args)


def menu(asker):
    """The commands this asker may use, one line each."""
    lines = [f"{entry.name}（{'/'.join(entry.aliases)}）：{_summary(entry, asker)}" if entry.aliases
             else f"{entry.name}：{_summary(entry, asker)}"
             for entry in _COMMANDS if may_ask(entry, asker)]
    header = f"{asker.name}，您可以发送：" if asker.bound else "您可以发送："
    return "\n".join([header, *lines])


def _summary(entry, asker):
    """The command's summary, or for a command that means different things by role, the asker's."""
    if isinstance(entry.summary, str):
        return entry.summary
    return entry.summary.get(asker.role) or entry.summary[""]


def not_bound(asker):
    """Why an unbound asker may not: never bound, or bound to a console account whose sessions were revoked."""
    return REBIND if asker.rebind else NOT_BOUND


@command("帮助", aliases=("help", "h", "?", "？", "菜单"), summary="显示可用指令")
def help_menu(asker, _args):
    return menu(asker)


@command("绑定", aliases=("bd",), summary="如何绑定账号")
def how_to_bind(asker, _args):
    return f"您已绑定账号：{asker.name}。" if asker.bound else not_bound(asker)


@command("解绑", aliases=("jb",), roles=BOUND, summary="解除微信与账号的绑定")
def unbind(asker, _args):
    chat.unbind_account(account=asker.account)
    return "已解除绑定，您将不再收到通知。"


@command("我的", aliases=("wd", "me"), roles=AGENT, summary="我的等级与代理期限")
def my_agency(asker, _args):
    agent = agents.agent_with_level(asker.record_id)
    lines = [f"代理：{agent.name}", f"等级：{agent.level.name}",
             f"状态：{AGENT_STATUS_NAMES.get(agent.status, agent.status)}", _term_line(agent)]
    return "\n".join(lines)


def _term_line(agent):
    if agent.term_end is None:
        return "代理期限：未设置"
    today = to_local(utcnow()).date()
    start = f"{agent.term_start:%Y-%m-%d} 至 " if agent.term_start else "至 "
    left = (agent.term_end - today).days
    state = f"剩余{left}天" if left >= 0 else f"已过期{-left}天"
    return f"代理期限：{start}{agent.term_end:%Y-%m-%d}（{state}）"



def short_time(moment):
    """A stored UTC time as the brand's local "月-日 时:分", short enough for a chat line."""
    return f"{to_local(moment):%m-%d %H:%M}"


def clipped(text, length):
    """The text cut to `length` characters (with "…" when cut), for one chat line."""
    return text if len(text) <= length else text[:length - 1] + "…"
