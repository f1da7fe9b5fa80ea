"""chainmap.collector: the cyclic collector paused for a block, and given back as found."""

from __future__ import annotations

import gc

import pytest

from chainmap.collector import collector_paused


@pytest.fixture(autouse=True)
def _restore():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_paused_in_the_block_and_enabled_after():
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the inner block must not enable it
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_left_disabled_when_the_caller_had_disabled_it():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_enabled_again_after_an_error_and_as_a_decorator():
    gc.enable()

    @collector_paused()
    def fails():
        assert not gc.isenabled()
        raise ValueError("x")

    with pytest.raises(ValueError):
        fails()
    assert gc.isenabled()
