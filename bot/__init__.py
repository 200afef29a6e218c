"""The official account's message handler at /wechat (built by the chatbot issue)."""
from flask import Blueprint

blp = Blueprint("bot", __name__, url_prefix="/wechat")
