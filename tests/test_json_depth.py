"""A JSON body nested deeper than the parser goes is malformed JSON (400 in the one error shape), never a 500."""
import pytest

from tests.factories import agent_headers

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("path", ["/admin/api/auth/login", "/api/mp/auth/login"])
def test_a_deeply_nested_json_body_is_a_400(client, path):
    response = client.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"


def test_a_deeply_nested_json_body_from_a_signed_in_agent_is_a_400(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    response = client.post("/api/mp/orders/quote", data=DEEP, content_type="application/json", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_json"
