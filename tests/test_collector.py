"""chainmap.collector: the cyclic collector paused for a block, and given back as found."""

from __future__ import annotations

import gc
import weakref

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


def _generation_of(obj: object) -> int | None:
    for generation in (0, 1, 2):
        if any(o is obj for o in gc.get_objects(generation=generation)):
            return generation
    return None


def test_promote_moves_the_blocks_objects_to_the_oldest_generation():
    gc.enable()
    with collector_paused(promote=True):
        made = [[] for _ in range(100)]
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # (no young pass may move anything while the generations are read)
    assert {_generation_of(m) for m in made} == {2}
    gc.enable()
    with collector_paused():  # without promote: young, as the interpreter made them
        young = [[] for _ in range(100)]
    gc.disable()
    assert _generation_of(young[0]) == 0


def test_promote_collects_the_callers_young_garbage_first():
    class Node:
        pass

    gc.disable()  # nothing collects the cycle before the block but the block itself
    node = Node()
    node.itself = node
    alive = weakref.ref(node)
    del node
    assert alive() is not None
    gc.enable()
    with collector_paused(promote=True):
        assert alive() is None


def test_promote_leaves_nothing_promoted_when_the_collector_was_disabled():
    gc.disable()
    with collector_paused(promote=True):
        made = []
    assert not gc.isenabled()
    assert _generation_of(made) == 0


def test_promote_keeps_the_callers_frozen_objects_frozen():
    gc.enable()
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with collector_paused(promote=True):
            made = []
        gc.disable()
        assert gc.get_freeze_count() == frozen
        assert _generation_of(made) == 0  # not promoted: that would unfreeze the caller's
    finally:
        gc.unfreeze()


def test_import_quietly_runs_no_collection_during_the_import():
    """In a fresh process: importing pandas quietly runs no young pass while its objects
    are made, leaves them in the oldest generation, and the collector enabled."""
    import json
    import subprocess
    import sys

    probe = (
        "import gc, json\n"
        "from chainmap.collector import import_quietly\n"
        "before = [s['collections'] for s in gc.get_stats()]\n"
        "import_quietly('pandas')\n"
        "after = [s['collections'] for s in gc.get_stats()]\n"
        "print(json.dumps({'runs': [a - b for a, b in zip(after, before)],\n"
        "    'young': gc.get_count()[:2], 'enabled': gc.isenabled()}))\n"
    )

    def run(code: str) -> dict:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    quiet = run(probe)
    loud = run(probe.replace("import_quietly('pandas')", "import pandas"))
    assert loud["runs"][0] > 20  # what the pause spares: young passes over pandas' objects
    assert quiet["runs"] == [0, 1, 0]  # only the caller's young objects, collected first
    assert quiet["enabled"] is True
    assert sum(quiet["young"]) < 100  # the import's objects are in the oldest generation


def test_commands_import_pandas_quietly(monkeypatch):
    from click.testing import CliRunner

    from chainmap import cli

    calls = []
    monkeypatch.setattr(cli, "import_quietly", calls.append)
    assert CliRunner().invoke(cli.cli, ["chains", "--help"]).exit_code == 0
    assert calls == []  # help is printed before a command runs: nothing imported for it
    assert CliRunner().invoke(cli.cli, ["chains"]).exit_code == 0
    assert calls == ["pandas"]
