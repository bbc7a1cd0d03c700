"""E-seal keys and signatures: the canonical form, the signature, the anti-replay window."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from haiquan.transit import devicekeys


def test_the_signed_form_cannot_pass_one_message_for_another():
    a = {"id": "S1", "alarm": "x&lat=1"}
    b = {"id": "S1", "alarm": "x", "lat": "1"}
    assert devicekeys.canonical(a) != devicekeys.canonical(b)
    assert devicekeys.canonical({"b": "2", "a": "1", "sig": "zz"}) == b"a=1&b=2"


def test_a_signature_holds_for_its_message_only():
    key = devicekeys.device_key("S1", "k1")
    message = devicekeys.signed(key.hex(), {"id": "S1", "lat": "21.5"}, 3)
    assert devicekeys.signature_valid(key, message)
    assert not devicekeys.signature_valid(key, {**message, "lat": "21.6"})
    assert not devicekeys.signature_valid(devicekeys.device_key("S1", "k2"), message)
    assert not devicekeys.signature_valid(devicekeys.device_key("S2", "k1"), message)


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=200))
def test_every_counter_is_accepted_at_most_once(counters):
    high = seen = 0
    accepted = []
    for c in counters:
        new, high, seen = devicekeys.counter_accept(high, seen, c)
        if new:
            accepted.append(c)
    assert len(accepted) == len(set(accepted))
    # A counter never seen before and within the window below the highest is accepted.
    for c in range(max(1, high - devicekeys.REPLAY_WINDOW), high):
        if c not in accepted:
            assert devicekeys.counter_accept(high, seen, c)[0]


@given(st.permutations(list(range(1, 40))))
def test_messages_a_little_out_of_order_are_all_taken(order):
    high = seen = 0
    for c in order:
        new, high, seen = devicekeys.counter_accept(high, seen, c)
        assert new
