"""The terminal table drawn without rich's console is the table rich draws.

:func:`chainmap.outputs.tables._plain_table` follows rich's layout for the one table
:func:`render_table` asks for; :func:`_rich_table` is rich itself, the reference. Random
tables (CJK, ASCII words and spaces, wide and zero-width characters, narrow consoles,
capped columns, long and empty titles) are drawn both ways and must be the same string;
every table the fast path declines goes to rich, so ``render_table`` always equals rich.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from chainmap.outputs import tables

ALPHABETS = {
    "ascii": "abcdefghijXYZ0123456789.,-()/[]",
    "space": " ",
    "cjk": "氟化工产业链招商目标浙江永和制冷股份有限公司中巨芯科技",
    "full": "（）：，、。０１",
    "misc": "·—“”é",
    "emoji": "😀🚀",
    "combining": "\u0301\u0308",
    "unprintable": "\n\t\u3000\u200b\x01",
}
WEIGHTS = {
    "space": 3,
    "ascii": 5,
    "cjk": 6,
    "full": 1,
    "misc": 1,
    "emoji": 1,
    "combining": 1,
    "unprintable": 1,
}
MIXES = (
    ("ascii", "space"),
    ("cjk",),
    ("cjk", "ascii", "space", "full"),
    ("ascii", "space", "cjk", "misc", "emoji", "combining"),
)


def _text(rng: random.Random, n: int, kinds: tuple[str, ...]) -> str:
    weights = [WEIGHTS[k] for k in kinds]
    return "".join(rng.choice(ALPHABETS[rng.choices(kinds, weights)[0]]) for _ in range(n))


def _case(rng: random.Random):
    kinds = rng.choice(MIXES)
    if rng.random() < 0.1:
        kinds = (*kinds, "unprintable")
    ncols = rng.randint(1, 9)
    longest = rng.choice([3, 8, 20, 40, 80])
    headers = [_text(rng, rng.randint(0, longest), kinds) for _ in range(ncols)]
    rows = [
        [_text(rng, rng.randint(0, longest), kinds) for _ in range(ncols)]
        for _ in range(rng.randint(0, 8))
    ]
    title = None if rng.random() < 0.3 else _text(rng, rng.randint(0, 120), kinds)
    width = rng.choice([10, 20, 40, 60, 80, 100, 140])
    cap = rng.choice([None, None, 3, 8, 20])
    return headers, rows, title, width, cap


@pytest.mark.parametrize("seed", range(3))
def test_the_plain_table_is_the_table_rich_draws(seed):
    rng = random.Random(seed)
    drawn = 0
    for _ in range(1200):
        headers, rows, title, width, cap = _case(rng)
        plain = tables._plain_table(headers, rows, title, width, cap)
        if cap is not None:
            assert plain is None  # a capped column: rich draws it
        if plain is None:
            continue
        drawn += 1
        assert plain == tables._rich_table(headers, rows, title, width, cap), (
            headers,
            rows,
            title,
            width,
            cap,
        )
    assert drawn > 250  # the fast path is what is being tested, not the fallback


def test_render_table_is_rich_on_both_paths():
    frame = pd.DataFrame(
        {
            "企业 name": ["浙江永和制冷股份有限公司", "a\nb", None],
            "得分 score": [0.7321, float("nan"), 0.5],
        }
    )
    fast = frame.iloc[[0, 2]]
    assert tables._plain_table(*_args(fast), "标题 · title", 40, None) is not None
    assert tables._plain_table(*_args(frame), "标题", 40, None) is None  # a newline: rich
    for shown in (fast, frame):
        headers, rows = _args(shown)
        assert tables.render_table(shown, title="标题 · title", width=40) == (
            tables._rich_table(headers, rows, "标题 · title", 40, None)
        )


def _args(frame: pd.DataFrame):
    headers = [str(c) for c in frame.columns]
    rows = [[tables._short(v) for v in row] for row in frame.itertuples(index=False)]
    return headers, rows


def test_a_table_too_narrow_for_a_wide_character_goes_to_rich():
    headers = [f"列{i}" for i in range(12)]
    rows = [["氟化工产业链"] * 12]
    assert tables._plain_table(headers, rows, None, 30, None) is None
    frame = pd.DataFrame(rows, columns=headers)
    assert tables.render_table(frame, width=30) == tables._rich_table(headers, rows, None, 30, None)


def test_rich_ratio_and_collapse_are_followed():
    from rich._ratio import ratio_reduce
    from rich.table import Table

    rng = random.Random(7)
    for _ in range(2000):
        n = rng.randint(1, 8)
        widths = [rng.randint(1, 60) for _ in range(n)]
        ratios = [rng.randint(0, 3) for _ in range(n)]
        maximums = [rng.randint(0, 30) for _ in range(n)]
        total = rng.randint(0, 80)
        assert tables._ratio_reduce(total, ratios, maximums, widths) == ratio_reduce(
            total, ratios, maximums, widths
        )
        limit = rng.randint(1, 200)
        assert tables._collapse_widths(widths, limit) == Table._collapse_widths(
            widths, [True] * n, limit
        )
