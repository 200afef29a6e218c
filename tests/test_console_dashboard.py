"""The dashboard: figures from each domain's reports, sections by role, charts as inline SVG."""
from app import dashboard
from app.admin.pages import charts
from app.clock import local_today
from tests.factories import advanced, console_login, make_admin, make_agent, make_application, orderable, place


def paid_order(quantity=2, price_yuan=100):
    agent = make_agent(province="浙江省", city="杭州市")
    product, _ = orderable(price_yuan, name="玫瑰面霜")
    return advanced(place(agent, (product, quantity)), "pay"), product


def test_a_paid_order_counts_today_and_this_month():
    order, _ = paid_order()
    sales = dashboard.figures(sections={"sales"})["sales"]
    assert (sales["today"].orders, sales["today"].amount_fen) == (1, order.total_fen)
    assert sales["month"].amount_fen == order.total_fen and sales["placed_today"] == 1


def test_the_chart_has_thirty_days_ending_today():
    order, _ = paid_order()
    by_day = dashboard.figures(sections={"sales"})["sales"]["by_day"]
    assert len(by_day) == 30 and by_day[-1] == (local_today().isoformat(), order.total_fen)


def test_top_products_and_provinces_come_from_the_order_reports():
    _, product = paid_order()
    sales = dashboard.figures(sections={"sales"})["sales"]
    assert [row.label for row in sales["products"]] == [product.name]
    assert [row.label for row in sales["provinces"]] == ["浙江省"]


def test_new_agents_and_pending_applications_are_counted():
    make_application()
    figures = dashboard.figures(sections={"agents"})["agents"]
    assert figures["joined_today"] == figures["joined_month"] == 1
    assert figures["applications"][1] == 1


def test_only_the_sections_asked_for_are_computed():
    figures = dashboard.figures(sections={"stock"})
    assert "sales" not in figures and "agents" not in figures and set(figures["alerts"]) == {"low_stock"}


def test_the_owner_sees_every_section_with_its_charts(client):
    paid_order()
    console_login(client, make_admin("owner"))
    page = client.get("/admin/").get_data(as_text=True)
    for heading in ("今日订单", "近30天销售额", "热销商品", "各省销售", "低于安全库存", "控价/窜货违规", "待审核申请"):
        assert heading in page
    assert page.count("<svg") == 3 and "浙江省" in page


def test_the_warehouse_sees_no_price_violations(client):
    console_login(client, make_admin("warehouse"))
    page = client.get("/admin/").get_data(as_text=True)
    assert "低于安全库存" in page and "控价/窜货违规" not in page


def test_staff_see_no_stock_figures(client):
    console_login(client, make_admin("staff"))
    page = client.get("/admin/").get_data(as_text=True)
    assert "低于安全库存" not in page and "待审核申请" in page


def test_an_axis_top_is_a_round_number():
    assert [charts.nice_ceiling(v) for v in (0, 7, 12, 240, 999)] == [1, 10, 20, 250, 1000]


def test_chart_labels_are_escaped():
    svg = charts.bar_chart([("<script>", 5)], label="x")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
