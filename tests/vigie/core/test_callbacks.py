"""The ``v:`` callback codec: what Vigie's own buttons carry, read back exactly."""

from __future__ import annotations

import pytest

from vigie.core import callbacks
from vigie.core.callbacks import Callback


def test_round_trip() -> None:
    data = callbacks.encode("ph", "ws", 3, "f")
    assert data == "v:ph:ws:3:f"
    assert callbacks.decode(data) == Callback("ph", ("ws", "3", "f"))
    assert callbacks.decode(callbacks.encode("take", 42)) == Callback("take", ("42",))
    assert callbacks.decode("v:take:42") is not None
    assert callbacks.decode("v:take:42").argument == "42"  # type: ignore[union-attr]


@pytest.mark.parametrize("data", ['/inform{"choice":"me"}', "/help", "", "x:take:1"])
def test_other_buttons_are_not_ours(data: str) -> None:
    assert not callbacks.is_ours(data)
    assert callbacks.decode(data) is None


def test_a_bare_action_has_no_argument() -> None:
    assert callbacks.decode("v:x") == Callback("x", ())
    assert callbacks.decode("v:x").argument == ""  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("action", "arguments"), [("take", ("a:b",)), ("", ()), ("show", ("",)), ("a" * 70, ())]
)
def test_what_could_not_be_read_back_is_refused(action: str, arguments: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        callbacks.encode(action, *arguments)
