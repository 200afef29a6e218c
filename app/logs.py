"""Keeping WeChat's request signatures out of access logs.

A `/wechat` query's `signature` (and `msg_signature`) with its timestamp and nonce is what a
replay needs; access logs are read by more people than the app's secrets, so the value is
blanked in every log line the web servers write (gunicorn's access log, werkzeug's dev server).
"""
import logging
import re

_SIGNATURE = re.compile(r"(\b(?:msg_)?signature=)[^&\s\"']*")


def redact(text):
    """`text` with the value of every `signature=` / `msg_signature=` query parameter blanked."""
    return _SIGNATURE.sub(r"\1[redacted]", text)


class RedactSignatures(logging.Filter):
    """A log filter rewriting each record's message through `redact`."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact_logger(name):
    """Attach the filter to the logger `name` once (an app built twice in a process adds it once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(existing, RedactSignatures) for existing in logger.filters):
        logger.addFilter(RedactSignatures())
