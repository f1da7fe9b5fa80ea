"""numpy's huge-page advice is switched off only for the block, only where it stalls."""

from __future__ import annotations

import pytest

from chainmap import pages


def _state(switch) -> bool:
    previous = switch(True)  # (numpy's switch returns the setting it replaces)
    switch(previous)
    return previous


@pytest.fixture
def switch(monkeypatch):
    found = pages._switch()
    if found is None:
        pytest.skip("this numpy has no huge-page switch")
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    previous = found(True)
    yield found
    found(previous)


def test_off_in_the_block_and_restored_where_faults_stall(monkeypatch, switch):
    monkeypatch.setattr(pages, "_advice_stalls", lambda: True)
    with pages.huge_pages_unadvised():
        assert _state(switch) is False
        with pages.huge_pages_unadvised():
            assert _state(switch) is False
        assert _state(switch) is False  # the inner block restored the outer one's setting
    assert _state(switch) is True
    with pytest.raises(RuntimeError), pages.huge_pages_unadvised():
        raise RuntimeError  # restored on an error too
    assert _state(switch) is True


def test_left_alone_where_faults_do_not_stall_or_the_user_chose(monkeypatch, switch):
    monkeypatch.setattr(pages, "_advice_stalls", lambda: False)
    with pages.huge_pages_unadvised():
        assert _state(switch) is True
    monkeypatch.setattr(pages, "_advice_stalls", lambda: True)
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    with pages.huge_pages_unadvised():
        assert _state(switch) is True


@pytest.mark.parametrize(
    ("text", "stalls"),
    [
        ("always defer defer+madvise [madvise] never\n", True),
        ("[always] defer defer+madvise madvise never\n", True),
        ("always defer [defer+madvise] madvise never\n", True),
        ("always [defer] defer+madvise madvise never\n", False),
        ("always defer defer+madvise madvise [never]\n", False),
        ("", False),
    ],
)
def test_the_host_setting_is_read(monkeypatch, tmp_path, text, stalls):
    defrag = tmp_path / "defrag"
    defrag.write_text(text, encoding="ascii")
    monkeypatch.setattr(pages, "DEFRAG", defrag)
    pages._advice_stalls.cache_clear()
    try:
        assert pages._advice_stalls() is stalls
    finally:
        pages._advice_stalls.cache_clear()
    monkeypatch.setattr(pages, "DEFRAG", tmp_path / "absent")
    assert pages._advice_stalls() is False  # no such file (not Linux): left alone
    pages._advice_stalls.cache_clear()
