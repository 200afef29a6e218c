"""The agent network's scheduled work, as plain functions for the scheduler to register (daily)."""
import logging

from app.agents import service as agents

log = logging.getLogger(__name__)


def review_levels():
    """Run the promotion and demotion review over every active agent."""
    return agents.review_levels()


def warn_expiring_terms():
    """Queue the 30- and 7-day warnings of agency terms that are ending."""
    queued = agents.warn_expiring_terms()
    log.info("term warnings queued: %s", queued)
    return queued


def expire_lapsed_agents():
    """Mark agents whose term has ended as expired."""
    expired = agents.expire_lapsed_agents()
    log.info("agents expired: %s", expired)
    return expired
