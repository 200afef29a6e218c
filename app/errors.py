"""Domain errors: services raise them, the doors turn them into responses.

Each carries an HTTP-like status, a stable machine code, a Chinese message for
the user and, for input problems, the offending fields.
"""


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message=None, *, code=None, fields=None, retry_after=None):
        self.message = message or self.message
        self.code = code or self.code
        self.fields = fields or {}
        self.retry_after = retry_after
        super().__init__(self.message)

    def to_dict(self):
        """The error body, the one shape used everywhere."""
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class BadRequest(DomainError):
    status, code, message = 400, "bad_request", "请求有误"


class Unauthenticated(DomainError):
    status, code, message = 401, "unauthenticated", "请先登录"


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", "没有权限执行此操作"


class NotFound(DomainError):
    status, code, message = 404, "not_found", "记录不存在"


class Conflict(DomainError):
    status, code, message = 409, "conflict", "操作与当前状态冲突"


class PayloadTooLarge(DomainError):
    status, code, message = 413, "payload_too_large", "请求内容过大"


class InvalidInput(DomainError):
    status, code, message = 422, "invalid_input", "输入有误"

    @classmethod
    def on(cls, field, message, *, code=None):
        """An input error about one field."""
        return cls(message, code=code, fields={field: message})


class RateLimited(DomainError):
    status, code, message = 429, "rate_limited", "操作过于频繁，请稍后再试"


class Unavailable(DomainError):
    status, code, message = 503, "unavailable", "服务暂时不可用，请稍后再试"
