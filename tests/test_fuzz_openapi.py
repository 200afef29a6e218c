"""Schemathesis fuzzes every operation of /api/openapi.json in-process: never a 500, every 4xx in the one shape.

Mini-program operations run as a signed-in agent, console ones as the owner. CI runs a few
examples per operation with a fixed seed; a long run by hand: FUZZ_EXAMPLES=200 pytest this file.
FUZZ_SKIP (a regular expression of operation labels) leaves operations out of a long run: the label
downloads stream every code of a fuzzed batch of up to 1,000,000 codes, minutes per case.
"""
import os
import re
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.tokens import issue_token
from tests.factories import agent_headers, make_admin

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
FAILURE_CHARS = int(os.environ.get("FUZZ_FAILURE_CHARS", "300"))
SKIP = re.compile(os.environ["FUZZ_SKIP"]) if os.environ.get("FUZZ_SKIP") else None


@pytest.fixture
def headers_for(client, fake_wechat):
    """Fresh headers for an operation's path: an agent for the mini-program, the owner for the console.

    Fresh per operation because fuzzing logout or a password change revokes the tokens issued before.
    """
    from app.accounts.models import AdminUser, WechatUser

    owner, agent = make_admin("owner"), agent_headers(client, fake_wechat)[1]

    def headers(path):
        if path.startswith("/admin/api/"):
            token = issue_token("admin", owner.id, AdminUser.get_by_id(owner.id).token_version)
        else:
            token = issue_token("wx", agent.wechat_user_id, WechatUser.get_by_id(agent.wechat_user_id).token_version)
        return {"Authorization": f"Bearer {token}"}
    return headers


def assert_error_shape(response):
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["fields"], dict), body


def fuzz(operation, headers, statuses):
    """Run the operation's generated cases, counting their statuses; returns the first failure as text, or None."""
    @given(case=operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers={**(case.headers or {}), **headers})
        statuses[response.status_code] += 1
        assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body)
        if 400 <= response.status_code < 500:
            assert_error_shape(response)
        else:
            case.validate_response(response, checks=[response_schema_conformance])
    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # every failure is reported together below
        return f"{operation.label}: {str(failure)[:FAILURE_CHARS]}"
    return None


def test_no_operation_fails_or_breaks_the_error_shape(app, headers_for):
    operations = [result.ok() for result in schemathesis.openapi.from_wsgi("/api/openapi.json", app)
                  .get_all_operations()]
    assert len(operations) > 150
    if SKIP:
        operations = [operation for operation in operations if not SKIP.search(operation.label)]
    statuses = Counter()
    failures = [failure for operation in operations
                for failure in [fuzz(operation, headers_for(operation.path), statuses)] if failure]
    print(f"{len(operations)} operations, {sum(statuses.values())} cases, statuses {dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(failures)
