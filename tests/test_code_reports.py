"""The console's view of scans: per product and province, the map table, one code's trace, flagged codes."""
from app.codes.models import CodeFlag
from tests.factories import (admin_headers, codes_of, make_admin, make_agent, make_batch, overridden_settings,
                             scan_client, shipped)


def _scan(app, code, province):
    scan_client(app).get(f"/api/mp/codes/{code}?province={province}")


def test_scans_per_product_and_province(client, app):
    batch = make_batch(2)
    first, second = codes_of(batch)
    _scan(app, first, "广东省")
    _scan(app, second, "广东省")
    _scan(app, first, "")
    rows = client.get("/admin/api/codes/reports/scans", headers=admin_headers(client, make_admin())).get_json()
    assert [(row["product_id"], row["province"], row["scans"], row["codes"]) for row in rows] == [
        (batch.product_id, "广东省", 2, 2), (batch.product_id, "未知", 1, 1)]


def test_the_map_table_has_adcode_and_coordinates_per_province(client, app):
    code = codes_of(make_batch(1))[0]
    _scan(app, code, "四川")
    rows = client.get("/admin/api/codes/reports/map", headers=admin_headers(client, make_admin("finance"))).get_json()
    assert rows == [{"province": "四川省", "adcode": "510000", "lat": 30.57, "lng": 104.07, "scans": 1, "codes": 1}]


def test_the_owner_traces_a_code_to_its_agent_and_scans(client, app):
    agent = make_agent()
    code = shipped(make_batch(1), agent, order_id=42)[0]
    _scan(app, code, "广东省")
    body = client.get(f"/admin/api/codes/lookup/{code}", headers=admin_headers(client, make_admin())).get_json()
    assert body["code"]["agent_id"] == agent.id and body["code"]["order_id"] == 42
    assert [scan["province"] for scan in body["scans"]] == ["广东省"]


def test_flagged_codes_are_listed_and_cleared_once(client, app):
    code = shipped(make_batch(1), make_agent())[0]
    with overridden_settings(CLONE_FLAG_SCANS=1):
        _scan(app, code, "")
    headers = admin_headers(client, make_admin())
    listed = client.get("/admin/api/codes/flags?status=open", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["code"] == code
    flag_id = listed["items"][0]["id"]
    cleared = client.post(f"/admin/api/codes/flags/{flag_id}/review", headers=headers,
                          json={"action": "clear", "note": "经销商展会演示"})
    again = client.post(f"/admin/api/codes/flags/{flag_id}/review", headers=headers, json={"action": "clear"})
    assert cleared.get_json()["status"] == "cleared" and again.status_code == 409
    assert CodeFlag.get_by_id(flag_id).note == "经销商展会演示"


def test_reports_refuse_malformed_dates(client):
    response = client.get("/admin/api/codes/reports/scans?since=yesterday",
                          headers=admin_headers(client, make_admin()))
    assert response.status_code == 422 and "since" in response.get_json()["error"]["fields"]
