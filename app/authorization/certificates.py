"""Issuing certificates: one current number per active agent, a new one whenever its level, region or term change.

Issuance is lazy and idempotent: whoever first asks for an agent's certificate
(the agent in the mini-program, the owner in the console, a consumer verifying
an old number) finds the facts it states compared with the agent's current ones,
and a new number issued when they differ. The old row is superseded with a
guarded UPDATE and the new one inserted under a unique `current_key`, so of two
requests racing, one issues and the other reads what it issued.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

from peewee import IntegrityError

from app.agents import service as agents
from app.authorization.models import AgentCertificate
from app.clock import local_today, utcnow
from app.database import db, for_update

NUMBER_PREFIX = "SQ"
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RANDOM_LENGTH = 8
NUMBER = re.compile(r"SQ[0-9]{4}[%s]{%d}" % (ALPHABET, RANDOM_LENGTH))
_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u3000]")


@dataclass(frozen=True)
class Certificate:
    """What a certificate states, and whether it is still the agent's current one."""

    id: int
    number: str
    agent_id: int
    agent_name: str
    level_name: str
    province: str
    city: str
    term_start: date
    term_end: date
    issued_at: object
    current: bool

    @property
    def region(self):
        """The region as one text: 广东省深圳市 (a city named like its province once)."""
        return region_text(self.province, self.city)


def region_text(province, city):
    """广东省 + 深圳市 → 广东省深圳市; 北京市 + 北京市 → 北京市."""
    return (province or "") + (city if city and city != province else "")


def normalize_number(text):
    """A number as typed (full-width, lower case, spaces and dashes), as stored; "" for anything else."""
    if not isinstance(text, str):
        return ""
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text[:64])).upper()
    return number if NUMBER.fullmatch(number) else ""


def _new_number():
    return NUMBER_PREFIX + f"{local_today().year:04d}" + "".join(
        secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def facts_of(agent):
    """What a certificate of the agent states now: level, region, term."""
    return {"level_id": agent.level_id, "level_name": agent.level.name, "province": agent.province or "",
            "city": agent.city or "", "term_start": agent.term_start, "term_end": agent.term_end}


def states(row, facts):
    """True when the certificate row states these facts."""
    return all(getattr(row, name) == value for name, value in facts.items())


def as_certificate(row, agent):
    """The frozen view of a certificate row."""
    return Certificate(id=row.id, number=row.number, agent_id=row.agent_id, agent_name=agent.name,
                       level_name=row.level_name, province=row.province, city=row.city, term_start=row.term_start,
                       term_end=row.term_end, issued_at=row.issued_at, current=row.current_key is not None)


def current_row(agent_id):
    """The agent's current certificate row, or None."""
    return AgentCertificate.get_or_none(AgentCertificate.current_key == agent_id)


def ensure_current(agent):
    """The agent's current certificate row, issued first when it has none or its facts changed; an agent not in
    good standing gets no new number (its last one keeps answering with its status). Runs in the caller's
    transaction; None when the agent never had one and may not get one."""
    facts = facts_of(agent)
    row = current_row(agent.id)
    if row is not None and states(row, facts):
        return row
    if agents.standing(agent) != "active":
        return row
    if row is not None:
        # The old row locked by its primary key (a lock on `current_key` would deadlock with the insert below):
        # of requests racing to supersede it, the first does, the others wait and then read what it issued.
        locked = for_update(AgentCertificate.select().where(AgentCertificate.id == row.id)).first()
        if locked.current_key is None:
            return for_update(AgentCertificate.select().where(AgentCertificate.current_key == agent.id),
                              shared=True).first()
        AgentCertificate.update(current_key=None, superseded_at=utcnow()).where(AgentCertificate.id == row.id).execute()
    return _issue(agent, facts)


def _issue(agent, facts):
    for _ in range(5):
        try:
            with db.atomic():
                return AgentCertificate.create(number=_new_number(), agent=agent.id, current_key=agent.id, **facts)
        except IntegrityError:
            # Another request issued this agent's certificate first (or, once in 10^12, the number was taken).
            row = for_update(AgentCertificate.select().where(AgentCertificate.current_key == agent.id),
                             shared=True).first()
            if row is not None:
                return row
    raise RuntimeError("could not draw an unused certificate number")
