"""GET /healthz reports database reachability."""


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_openapi_document_lists_the_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/mp/auth/login" in spec["paths"]
    assert "/admin/api/auth/login" in spec["paths"]

