"""Invite codes and their mini-program code images.

The image is cached in the database per agent and invite code: WeChat draws the
same picture for the same scene every time, each call costs a round trip and
counts against the app's quota, and a row in the database is shared by every
web process (process memory would not be). A new invite code replaces it.
"""
import secrets

from app import wechat
from app.agents.models import AgentInviteImage
from app.config import get_settings
from app.database import upsert
from app.errors import RateLimited, Unavailable

# No 0/O, 1/I/L: codes are read aloud and typed from screenshots.
READABLE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
INVITE_PAGE = "pages/join/index"  # the mini-program page that opens the application form
# The join page reads a scene starting so as a bind code (an agent the brand added links its WeChat), not an invite.
BIND_SCENE_PREFIX = "b="
QR_WIDTH = 430


def new_code():
    """A random code in the readable alphabet (about 40 bits)."""
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code):
    """A code as typed by a person: case and surrounding spaces do not matter."""
    return (code or "").strip().upper()


def invite_image(agent):
    """The PNG mini-program code that opens the application form with the agent's invite code."""
    cached = AgentInviteImage.get_or_none(AgentInviteImage.agent == agent.id)
    if cached is not None and cached.invite_code == agent.invite_code:
        return bytes(cached.png)
    png = _draw(agent.invite_code)
    upsert(AgentInviteImage, {"agent": agent.id, "invite_code": agent.invite_code, "png": png},
           conflict_fields=[AgentInviteImage.agent],
           update_fields=[AgentInviteImage.invite_code, AgentInviteImage.png])
    return png


def bind_image(agent):
    """The PNG mini-program code that opens the join page with the agent's one-time bind code filled in.

    Not cached: the console shows it to the owner once or twice, and the code is gone once used."""
    return _draw(BIND_SCENE_PREFIX + agent.bind_code)


def _draw(scene):
    if not get_settings().wechat_mp_configured:
        raise Unavailable("小程序尚未配置，无法生成小程序码", code="wechat_not_configured")
    client = wechat.mini_program_client()
    with wechat.failures_as_domain_errors(
            "getwxacodeunlimit",
            refusals={wechat.RATE_LIMIT_ERRCODE: RateLimited("生成小程序码过于频繁，请稍后再试")}):
        response = wechat.call_with_token_refresh(
            client, lambda: client.wxa.get_wxa_code_unlimited(scene, width=QR_WIDTH, page=INVITE_PAGE))
    return response.content
