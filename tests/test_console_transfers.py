"""Console pages for transfers between warehouses and the allocation report."""
from app.inventory.models import Transfer
from tests.factories import console_login, console_post, make_admin, make_warehouse, stock_of, stocked
from tests.test_allocation import two_regions


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


def dispatch(client, source, destination, product, quantity, **extra):
    return console_post(client, "/admin/transfers", {
        "from_warehouse_id": str(source.id), "to_warehouse_id": str(destination.id),
        "lines.0.product_id": str(product.id), "lines.0.quantity": str(quantity), **extra})


def test_a_transfer_leaves_the_source_then_arrives_at_the_destination(client):
    product, source = stocked(20)
    destination = make_warehouse(provinces=("浙江省",))
    signed_in(client, "warehouse")

    response = dispatch(client, source, destination, product, 8)
    transfer = Transfer.get()
    assert response.status_code == 302 and response.location.endswith(f"/admin/transfers/{transfer.id}")
    assert stock_of(product, source) == (12, 0) and stock_of(product, destination) == (0, 0)
    assert "在途" in client.get(f"/admin/transfers/{transfer.id}").get_data(as_text=True)

    assert console_post(client, f"/admin/transfers/{transfer.id}/arrive").status_code == 302
    assert stock_of(product, destination) == (8, 0)
    assert "已到货" in client.get("/admin/transfers").get_data(as_text=True)


def test_booking_an_arrival_twice_adds_the_goods_once(client):
    product, source = stocked(20)
    destination = make_warehouse()
    signed_in(client, "warehouse")
    dispatch(client, source, destination, product, 5)
    transfer = Transfer.get()

    console_post(client, f"/admin/transfers/{transfer.id}/arrive")
    console_post(client, f"/admin/transfers/{transfer.id}/arrive")

    assert stock_of(product, destination) == (5, 0)


def test_a_bad_quantity_is_marked_next_to_its_field_and_nothing_moves(client):
    product, source = stocked(20)
    destination = make_warehouse()
    signed_in(client, "warehouse")

    response = dispatch(client, source, destination, product, 0)

    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<em class="error">' in page
    assert Transfer.select().count() == 0 and stock_of(product, source) == (20, 0)


def test_more_than_the_source_holds_is_refused_with_a_chinese_reason(client):
    product, source = stocked(3)
    destination = make_warehouse()
    signed_in(client, "warehouse")

    response = dispatch(client, source, destination, product, 5)

    assert response.status_code in (409, 422) and 'class="flash bad"' in response.get_data(as_text=True)
    assert stock_of(product, source) == (3, 0)


def test_the_same_warehouse_at_both_ends_is_refused(client):
    product, source = stocked(10)
    signed_in(client, "warehouse")

    response = dispatch(client, source, source, product, 2)

    assert response.status_code == 422 and "调出和调入仓库不能相同" in response.get_data(as_text=True)


def test_finance_reads_transfers_but_cannot_dispatch(client):
    product, source = stocked(10)
    destination = make_warehouse()
    signed_in(client, "finance")

    assert client.get("/admin/transfers").status_code == 200
    assert "发出调拨" not in client.get("/admin/transfers").get_data(as_text=True)
    assert dispatch(client, source, destination, product, 2).status_code == 403


def test_staff_may_not_open_transfers(client):
    assert signed_in(client, "staff").get("/admin/transfers").status_code == 403


def test_transfers_and_allocation_export_as_xlsx(client):
    product, source = stocked(10)
    signed_in(client, "warehouse")
    dispatch(client, source, make_warehouse(), product, 2)
    for path in ("/admin/transfers/export", "/admin/allocation/export"):
        response = client.get(path)
        assert response.status_code == 200 and response.data[:2] == b"PK"


def test_the_allocation_page_lists_every_warehouse_row(client):
    product, source = stocked(10)
    page = signed_in(client, "warehouse").get("/admin/allocation").get_data(as_text=True)
    assert source.name in page and product.name in page


def test_an_out_of_range_target_falls_back_and_is_marked(client):
    stocked(10)
    response = signed_in(client, "warehouse").get("/admin/allocation?target_days=9999")
    assert response.status_code == 200 and '<em class="error">' in response.get_data(as_text=True)


def test_an_unknown_transfer_is_a_chinese_404(client):
    response = signed_in(client, "warehouse").get("/admin/transfers/999999")
    assert response.status_code == 404 and "调拨单不存在" in response.get_data(as_text=True)


def test_a_suggested_transfer_is_dispatched_from_the_allocation_page(client):
    product, south, east = two_regions()
    signed_in(client, "warehouse")
    page = client.get(f"/admin/allocation?product_id={product.id}").get_data(as_text=True)
    assert "按建议发出调拨" in page and f'value="{east.id}"' in page

    response = dispatch(client, east, south, product, 20, note="按调配建议（目标 30 天）")

    assert response.status_code == 302 and stock_of(product, east) == (80, 0)
    assert "可售天数" in client.get(f"/admin/allocation?product_id={product.id}").get_data(as_text=True)


def test_a_quantity_of_unicode_digits_is_a_field_error_not_a_crash(client):
    product, source = stocked(20)
    signed_in(client, "warehouse")

    response = dispatch(client, source, make_warehouse(), product, "²")

    assert response.status_code == 422 and '<em class="error">' in response.get_data(as_text=True)
