"""Dates bounding a report or a filter lie within 2000–2099: beyond, a 422 in the one error shape, never a 500.

Found by the long fuzz run: 0001-01-01 and 9999-12-31 overflowed when turned into UTC instants.
"""
import pytest

from tests.factories import admin_headers, agent_headers, console_login, make_admin

CONSOLE = ["/admin/api/orders?since={day}", "/admin/api/orders?until={day}",
           "/admin/api/order-reports/funnel?since={day}&until={day}",
           "/admin/api/finance/reports?start=2026-01-01&end={day}", "/admin/api/finance/settlements?start={day}",
           "/admin/api/finance/expenses?end={day}", "/admin/api/agents/ranking?start={day}"]
INSTANT_FILTERS = ["/admin/api/stock/moves?since={at}", "/admin/api/stock/moves/export?until={at}",
                   "/admin/api/codes/reports/scans?since={at}", "/admin/api/codes/reports/map?until={at}",
                   "/admin/api/price-control/summary?since={at}"]


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"])
@pytest.mark.parametrize("path", CONSOLE)
def test_a_console_period_beyond_the_supported_years_is_refused(client, path, day):
    response = client.get(path.format(day=day), headers=admin_headers(client, make_admin("owner")))
    assert response.status_code == 422
    assert "2000-01-01" in str(response.get_json()["error"]["fields"])


@pytest.mark.parametrize("query", ["end=0001-01-01", "start=9999-12-31"])
def test_an_agents_performance_period_beyond_the_supported_years_is_refused(client, fake_wechat, query):
    headers, _ = agent_headers(client, fake_wechat)
    assert client.get(f"/api/mp/me/performance?{query}", headers=headers).status_code == 422


def test_the_first_and_last_supported_days_are_accepted(client):
    response = client.get("/admin/api/orders?since=2000-01-01&until=2099-12-31",
                          headers=admin_headers(client, make_admin("owner")))
    assert response.status_code == 200


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00", "1900-01-01T00:00:00", "2100-01-01T00:00:00",
                                "9999-12-31T23:59:59"])
@pytest.mark.parametrize("path", INSTANT_FILTERS)
def test_a_console_instant_beyond_the_supported_years_is_refused(client, path, at):
    response = client.get(path.format(at=at), headers=admin_headers(client, make_admin("owner")))
    assert response.status_code == 422
    assert "2000-01-01" in str(response.get_json()["error"]["fields"])


def test_the_first_and_last_supported_instants_are_accepted(client):
    response = client.get("/admin/api/stock/moves?since=2000-01-01T00:00:00&until=2099-12-31T23:59:59",
                          headers=admin_headers(client, make_admin("owner")))
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=9999-12-31"])
def test_the_scan_report_page_shows_a_period_beyond_the_supported_years_as_an_error(client, query):
    console_login(client, make_admin("owner"))
    response = client.get(f"/admin/codes/reports?{query}")
    assert response.status_code == 200
    assert "2000-01-01" in response.get_data(as_text=True)
