"""Binding at shipment: codes, box codes and ranges bound to an order, its agent and region; all or nothing."""
import pytest

from app.codes import service as codes
from app.codes.models import Code
from app.errors import Conflict, InvalidInput
from tests.factories import codes_of, make_agent, make_batch, make_product, outcomes_in_threads


def _bind(batch, agent, texts, *, order_id=1, quantity=None, expected=None):
    return codes.bind_codes_for_shipment(order_id=order_id, agent_id=agent.id, province="", dropship=False,
                                         expected=expected or {batch.product_id: quantity or len(texts)},
                                         codes=texts, actor="admin:1")


def _bound(texts):
    return list(Code.select(Code.order_id, Code.agent, Code.province).where(Code.code.in_(texts))
                .order_by(Code.serial).tuples())


def test_item_codes_are_bound_to_the_order_agent_and_agents_province():
    batch, agent = make_batch(3), make_agent(province="浙江省")
    result = _bind(batch, agent, codes_of(batch), order_id=7)
    assert result["bound"] == 3 and not result["repeated"]
    assert _bound(codes_of(batch)) == [(7, agent.id, "浙江省")] * 3


def test_a_box_code_binds_every_item_inside():
    batch, agent = make_batch(4, box_size=2), make_agent()
    first_box = codes_of(batch, boxes=True)[0]
    result = _bind(batch, agent, [first_box], quantity=2)
    assert result == {"order_id": 1, "bound": 2, "boxes": 1, "repeated": False, "per_product": {batch.product_id: 2}}
    assert [row[0] for row in _bound(codes_of(batch))] == [1, 1, None, None]


def test_a_range_of_a_batch_binds_every_code_in_it():
    batch, agent = make_batch(6), make_agent()
    texts = codes_of(batch)
    _bind(batch, agent, [f"{texts[1]}~{texts[4]}"], quantity=4)
    assert [row[0] for row in _bound(texts)] == [None, 1, 1, 1, 1, None]


def test_a_code_bound_to_another_order_is_refused_naming_it():
    batch, agent = make_batch(2), make_agent()
    texts = codes_of(batch)
    _bind(batch, agent, texts[:1], order_id=1)
    with pytest.raises(Conflict) as refused:
        _bind(batch, agent, texts, order_id=2)
    assert texts[0] in refused.value.message and refused.value.status == 409
    assert [row[0] for row in _bound(texts)] == [1, None]


def test_a_code_of_another_product_is_refused():
    batch, other = make_batch(1), make_batch(1)
    with pytest.raises(InvalidInput) as refused:
        _bind(batch, make_agent(), codes_of(other), expected={batch.product_id: 1})
    assert codes_of(other)[0] in refused.value.message and refused.value.code == "code_wrong_product"


def test_more_codes_than_the_lines_quantity_are_refused_and_nothing_is_bound():
    batch = make_batch(3)
    texts = codes_of(batch)
    with pytest.raises(InvalidInput) as refused:
        _bind(batch, make_agent(), texts, quantity=2)
    assert texts[2] in refused.value.message
    assert _bound(texts) == [(None, None, "")] * 3


def test_an_unknown_or_mistyped_code_is_refused():
    batch = make_batch(1)
    with pytest.raises(InvalidInput, match="不存在"):
        _bind(batch, make_agent(), [_unknown_code()])
    with pytest.raises(InvalidInput, match="格式不正确"):
        _bind(batch, make_agent(), ["NOT-A-CODE"])


def _unknown_code():
    from app.codes import codec

    return codec.new_codes(1)[0]


def test_an_item_given_alone_and_inside_its_box_is_refused_as_repeated():
    batch = make_batch(2, box_size=2)
    with pytest.raises(InvalidInput, match="重复"):
        _bind(batch, make_agent(), [codes_of(batch, boxes=True)[0], codes_of(batch)[0]], quantity=2)


def test_repeating_the_same_binding_changes_nothing():
    batch, agent = make_batch(2), make_agent()
    _bind(batch, agent, codes_of(batch))
    again = _bind(batch, agent, codes_of(batch))
    assert again["repeated"] and again["bound"] == 0


def test_codes_bound_earlier_to_the_order_count_towards_its_quantity():
    batch, agent = make_batch(3), make_agent()
    texts = codes_of(batch)
    _bind(batch, agent, texts[:2], quantity=2)
    with pytest.raises(InvalidInput, match="超出"):
        _bind(batch, agent, texts[2:], quantity=2)


@pytest.mark.committed
@pytest.mark.mysql_only
def test_two_shipments_racing_for_the_same_code_bind_it_once():
    batch, agent = make_batch(1, product=make_product()), make_agent()
    orders = iter(range(100, 200))
    outcomes = outcomes_in_threads(lambda: _bind(batch, agent, codes_of(batch), order_id=next(orders)), 6)
    assert outcomes == ["Conflict"] * 5 + ["ok"]
