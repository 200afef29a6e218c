"""Scheduled finance work, as plain functions for the scheduler to register."""
import logging

from app.finance import service as finance

log = logging.getLogger(__name__)


def release_available_commissions():
    """Daily: make commission available for completed orders whose return window has passed."""
    released = finance.release_available_commissions()
    log.info("commission released for %d orders", released)
    return released


def award_team_bonus(period=None):
    """Monthly (after last month's return window has passed): credit last month's team bonuses."""
    credited = finance.award_team_bonus(period=period)
    log.info("team bonus credited to %d agents", credited)
    return credited


def settle_wechat_top_ups():
    """Every few minutes: WeChat top-ups whose notification is late are queried and credited; long-unpaid closed."""
    outcome = finance.settle_wechat_top_ups()
    log.info("WeChat top-ups settled: %s", outcome)
    return outcome
