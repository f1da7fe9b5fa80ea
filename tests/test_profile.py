"""Profiles: the bundled default, user files merged key by key, and clear errors."""

from __future__ import annotations

import pytest

from chainmap.errors import InputError
from chainmap.model.profile import CRITERIA, default_profile, load_profile


def test_default_profile_matches_the_contract():
    p = default_profile()
    assert p["home"]["region"] == "330723"
    assert sum(p["weights"][c] for c in CRITERIA) == pytest.approx(1.0)
    assert p["strategy_weight"] == {"补链": 1.0, "延链": 0.8, "强链": 0.6, "建链": 0.5}
    assert p["weights"] == {
        "gap_priority": 0.25,
        "feasibility": 0.20,
        "strength": 0.20,
        "affinity": 0.20,
        "intent": 0.15,
    }
    assert p["policy"]["exclude"] == ["banned_new", "eliminated"]
    assert p["home"]["chemical_park"] == "unknown" and p["affinity"]["same_city"] == "flag"
    assert p["segments"]["exclude_stages"] == ["application"]
    assert p["stability"] == {"n": 200, "spread": 0.2, "top_k": 20, "seed": 0}


def test_user_file_is_merged_key_by_key(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[home]\nregion = "永康市"\n[thresholds]\nhop_decay = 0.5\n'
        '[zones]\n"金华周边" = ["330700", "330100"]\n',
        encoding="utf-8",
    )
    p = load_profile(path)
    assert p["home"]["region"] == "永康市"
    assert p["thresholds"]["hop_decay"] == 0.5
    assert p["thresholds"]["strong_lq"] == 1.0  # untouched keys keep the default
    assert p["zones"] == {"金华周边": ["330700", "330100"]}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[weights]\ngap_priority = 0.9\n", "[weights]"),
        ("[weights]\nluck = 0.1\n", "[weights]"),
        ("[thresholds]\nhop_decay = 1.5\n", "[thresholds.hop_decay]"),
        ('[segments]\nexclude_stages = ["retail"]\n', "[segments.exclude_stages]"),
        ("[stability]\ntop_k = 0\n", "[stability.top_k]"),
        ("[home\n", "invalid TOML"),
        (
            "[weights]\ngap_priority = 0.3\nfeasibility = 0.25\nstrength = 0.25\naffinity = 0.2\n",
            "four-weight profile",
        ),
        ('[policy]\nexclude = ["forbidden"]\n', "[policy.exclude]"),
        ("[home]\nchemical_park = 1\n", "[home.chemical_park]"),
        ('[affinity]\nsame_city = "ignore"\n', "[affinity.same_city]"),
        ("[stability]\nn = 100000000\n", "[stability.n]"),
        ("[stability]\nn = true\n", "[stability.n]"),
    ],
)
def test_bad_profiles_name_the_file_and_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profile(path)
    assert "bad.toml" in str(err.value) and key in str(err.value)


def test_profile_changes_the_ranking(invoke, tmp_path):
    import json

    path = tmp_path / "zone.toml"
    path.write_text(
        "[weights]\ngap_priority = 0.0\nfeasibility = 0.0\nstrength = 0.0\naffinity = 1.0\n"
        "intent = 0.0\n",
        encoding="utf-8",
    )
    default = json.loads(invoke("rank", "fluorochem", "--format", "json").stdout)
    affinity = json.loads(
        invoke("rank", "fluorochem", "--profile", path, "--format", "json").stdout
    )
    assert [r["name"] for r in default] != [r["name"] for r in affinity]
    for r in affinity:
        assert (
            r["contributions"]["gap_priority"] == 0 and r["score"] == r["contributions"]["affinity"]
        )


def test_unknown_keys_are_ignored_with_one_warning_naming_them(tmp_path, invoke):
    from chainmap.model.profile import ProfileWarning

    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[wieghts]\ngap_priority = 1\n[thresholds]\nstrong_lqq = 2\n[office]\nname = "某中心"\n'
        '[zones]\n"我的区" = ["330723"]\n',
        encoding="utf-8",
    )
    with pytest.warns(ProfileWarning) as caught:
        profile = load_profile(mine)
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "[wieghts]" in text and "[thresholds] strong_lqq" in text
    assert "office" not in text and "我的区" not in text  # known, and zone names are free
    assert profile["thresholds"]["strong_lq"] == default_profile()["thresholds"]["strong_lq"]
    # the command line says it in one line, without a source path or a line of code
    result = invoke("rank", "fluorochem", "--profile", mine)
    assert result.exit_code == 0
    lines = [ln for ln in result.stderr.splitlines() if "wieghts" in ln]
    assert len(lines) == 1 and lines[0].startswith("警告 / warning: ")
    assert "profile.py" not in result.stderr and "warnings.warn" not in result.stderr


def test_the_readme_profile_example_loads_without_warnings(tmp_path):
    from pathlib import Path
    import re
    import warnings

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Profile") :]
    block = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "readme.toml"
    path.write_text(block, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        profile = load_profile(path)
    assert profile["home"]["region"] == "永康市"
    assert abs(sum(profile["weights"].values()) - 1) < 1e-9


def test_an_unknown_affinity_zone_is_refused_and_custom_zones_count(tmp_path):
    """A typo in [affinity] zones took the zone bonus from every firm without a word."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[affinity]\nzones = ["长三甲"]\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profile(bad)
    assert "bad.toml" in str(err.value) and "长三甲" in str(err.value)
    assert "长三角" in str(err.value)  # the closest name, offered
    own = tmp_path / "own.toml"
    own.write_text(
        '[zones]\n"金衢" = ["金华市", "衢州市"]\n[affinity]\nzones = ["金衢", "长三角"]\n',
        encoding="utf-8",
    )
    assert load_profile(own)["affinity"]["zones"] == ["金衢", "长三角"]


def test_segment_ids_of_no_bundled_chain_are_named_in_a_warning(tmp_path):
    import warnings

    from chainmap.model.profile import ProfileWarning

    path = tmp_path / "p.toml"
    path.write_text(
        '[segments]\nexclude = ["pvdf", "pvdff"]\ninclude = ["ahf"]\n', encoding="utf-8"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prof = load_profile(path)
    said = [str(w.message) for w in caught if issubclass(w.category, ProfileWarning)]
    assert len(said) == 1 and "'pvdff'" in said[0] and "'pvdf'," not in said[0]
    assert prof["segments"]["exclude"] == ["pvdf", "pvdff"]  # (kept: a chain of one's own)
    path.write_text('[segments]\nexclude = ["pvdf"]\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_profile(path)
