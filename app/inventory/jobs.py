"""Scheduled stock work, registered by the scheduler process."""
import logging

from app.inventory import alerts

log = logging.getLogger(__name__)


def scan_low_stock():
    """Queue today's low-stock alert for every row under its threshold that has none yet; returns how many."""
    queued = alerts.alert_low_stock()
    if queued:
        log.info("low-stock scan queued %d alerts", queued)
    return queued
