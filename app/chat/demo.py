"""The demo brand's official-account followers for `flask seed`: the owner's WeChat and the top agent's, bound as
if they had scanned their bind QRs (the demo has no official account, so nothing is sent to them)."""
from app.chat.models import WechatBinding
from app.chat.service import _token_version
from app.database import db


def seed_demo_bindings(accounts):
    """Bind a made-up follower to each of `accounts` ("admin:<id>" / "agent:<id>"); yields what it did."""
    with db.atomic():
        for number, account in enumerate(accounts, start=1):
            WechatBinding.create(account=account, openid=f"demo-follower-{number}", token_version=_token_version(account))
    yield f"demo WeChat bindings: {len(accounts)}"
