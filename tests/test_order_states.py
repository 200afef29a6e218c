"""The order state machine allows exactly its table."""
import pytest

from app.errors import Conflict
from app.orders.states import STATE_NAMES, TRANSITIONS, allowed_actions, next_state


@pytest.mark.parametrize("source, action", list(TRANSITIONS))
def test_every_allowed_transition_leads_to_its_target(source, action):
    assert next_state(source, action) == TRANSITIONS[(source, action)]


@pytest.mark.parametrize("source, action", [
    ("pending_payment", "ship"), ("shipped", "cancel"), ("completed", "pay"), ("cancelled", "pay"),
    ("refunded", "refund"), ("received", "ship"), ("paid", "receive"), ("rejected", "approve"),
])
def test_an_illegal_transition_is_a_409_naming_the_state(source, action):
    with pytest.raises(Conflict) as raised:
        next_state(source, action)
    assert raised.value.status == 409
    assert STATE_NAMES[source] in raised.value.message


def test_terminal_states_allow_nothing():
    assert allowed_actions("cancelled") == allowed_actions("refunded") == allowed_actions("rejected") == []
