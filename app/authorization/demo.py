"""The demo brand's authorization certificates (授权书) for `flask seed`: every active agent's, and consumers'
look-ups in the last days (by number, by phone, and one that found nothing)."""
from datetime import timedelta

from app.authorization import service as authorization
from app.clock import travel, utcnow


def seed_demo_certificates(network):
    """Issue the certificates and record a few verifications of them; yields what it did."""
    issued = authorization.issue_all()
    looked_up = [authorization.certificate_for_agent(agent_id=network[0].id).certificate.number,
                 network[1].phone, "WS00000000", network[3].phone]
    now = utcnow()
    for number, text in enumerate(looked_up, start=1):
        with travel(now - timedelta(hours=40 - number * 9)):
            authorization.verify(text=text, ip=f"10.7.0.{number}", user_agent="demo", channel="page")
    yield f"demo certificates: {issued} issued, {len(looked_up)} verifications"
