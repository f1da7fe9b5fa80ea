"""Enterprise tables: read registry exports as they are, normalise, account for every row.

:func:`read_enterprises` reads CSV/XLSX/Parquet (encoding and title rows detected
by :mod:`chainmap.readwrite.reader`); :func:`normalise_enterprises` does the same work
on a DataFrame. Both return the canonical table (:data:`ENTERPRISE_COLUMNS`, then
the extra normalised columns, then every other input column unchanged) and an
:class:`~chainmap.model.report.ImportReport` in which each row is kept or rejected
with a reason.

Rules (see also ``docs/identifiers.md``):

- headers are matched after dropping spaces, case and a bracketed unit
  (``注册资本(万元)`` → 注册资本); a user mapping wins over the built-in one; when
  two input columns map to one canonical column the first wins and the other is
  kept as an extra column (as ``name.1`` when its header is itself canonical);
- ``enterprise_id`` is the USCC when its check digit is valid, else
  ``h:`` + 16 hex digits of SHA-256 over the normalised name and region code;
- rows without a name are rejected (``missing_name``); an invalid USCC is a
  warning (``invalid_uscc``), or a rejection when ``strict``;
- rows sharing an ``enterprise_id`` are merged into the first (lowest row):
  its empty fields are filled from the later rows in order, lists are united, a
  revenue of a later year replaces an earlier one, and each later row is rejected
  with "merged into row N" (``duplicate``), which names the newer revenue taken and
  the fields whose different values were not;
- registered capital is kept in 万 of its own currency (ISO 4217 code); no
  currency is ever converted;
- ``active`` is False for 注销, 吊销, 撤销, 责令关闭, 歇业, 停业, 清算 and their
  English equivalents; a blank status counts as active;
- a blank ``country`` is 中国 (registry exports list Chinese firms); foreign
  firms get no ``region_code`` and no region warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import datetime as dt
import functools
import hashlib
import math
from pathlib import Path
import re
import tomllib
from typing import Any
import unicodedata

import numpy as np
import pandas as pd

from chainmap.collector import collector_paused
from chainmap.errors import InputError
from chainmap.model import values
from chainmap.model.chain import segment_aliases
from chainmap.model.report import ImportReport
from chainmap.model.uscc import USCC_PLAIN, clean_uscc, valid_uscc, valid_usccs
from chainmap.model.values import DASHES, is_blank, parse_date, split_list, to_number
from chainmap.model.vocab import is_chinese

__all__ = [
    "ENTERPRISE_COLUMNS",
    "EXTRA_COLUMNS",
    "HEADER_ALIASES",
    "enterprise_id",
    "is_active",
    "known_segment_ids",
    "mapping_notes",
    "normalise_enterprises",
    "parse_capital",
    "parse_date",
    "read_enterprises",
    "read_mapping",
]

#: Canonical enterprise columns (CONTRACTS.md), in order.
ENTERPRISE_COLUMNS = (
    "enterprise_id",
    "uscc",
    "name",
    "legal_rep",
    "status",
    "active",
    "country",
    "province",
    "city",
    "county",
    "region_code",
    "address",
    "segments",
    "segments_source",
    "scope",
    "registered_capital",
    "capital_currency",
    "founded",
    "employees",
    "revenue",
    "revenue_year",
    "listed",
    "flags",
    "parent",
    "short_name",
    "source",
)

#: Further normalised columns, after the canonical ones: the input row as the user
#: sees it, paid-in capital, the GB/T 4754 industry levels and the size class.
EXTRA_COLUMNS = (
    "source_row",
    "paid_in_capital",
    "paid_in_currency",
    "industry_section",
    "industry_division",
    "industry_group",
    "industry_class",
    "gb_industry",
    "size",
)

# canonical (or extra) column -> header spellings, compared after _header_key()
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "企业名称",
        "公司名称",
        "名称",
        "企业名",
        "单位名称",
        "机构名称",
        "name",
        "name_zh",
        "company",
        "companyname",
        "enterprise",
        "enterprisename",
        "firm",
    ),
    "uscc": (
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "统一信用代码",
        "uscc",
        "unifiedsocialcreditcode",
        "creditcode",
        "socialcreditcode",
    ),
    "legal_rep": (
        "法定代表人",
        "法人",
        "法人代表",
        "法定代表人/负责人",
        "负责人",
        "legalrep",
        "legal_rep",
        "legalrepresentative",
    ),
    "status": (
        "登记状态",
        "经营状态",
        "企业状态",
        "状态",
        "status",
        "registrationstatus",
        "operatingstatus",
    ),
    "registered_capital": (
        "注册资本",
        "注册资金",
        "registeredcapital",
        "registered_capital",
        "capital",
    ),
    "paid_in_capital": (
        "实缴资本",
        "实缴资金",
        "paidincapital",
        "paid-incapital",
        "paid_in_capital",
    ),
    "founded": (
        "成立日期",
        "成立时间",
        "注册日期",
        "成立年份",
        "founded",
        "establishmentdate",
        "dateofestablishment",
        "foundeddate",
        "incorporationdate",
    ),
    "country": ("国家", "国别", "国家/地区", "country"),
    "province": ("所属省份", "省份", "所在省份", "省", "province"),
    "city": ("所属城市", "城市", "所在城市", "地级市", "市", "city"),
    "county": ("所属区县", "区县", "县区", "区/县", "所在区县", "county", "district"),
    "address": (
        "企业地址",
        "注册地址",
        "地址",
        "住所",
        "通信地址",
        "经营地址",
        "address",
        "registeredaddress",
    ),
    "scope": ("经营范围", "scope", "businessscope"),
    "industry_section": ("国标行业门类", "行业门类", "industrysection"),
    "industry_division": ("国标行业大类", "行业大类", "所属行业", "industrydivision", "industry"),
    "industry_group": ("国标行业中类", "行业中类", "industrygroup"),
    "industry_class": ("国标行业小类", "行业小类", "industryclass"),
    # GB/T 4754 as registry exports write it ("C2614 有机化学原料制造" or the name alone);
    # classify reads its code as evidence (docs/classify.md).
    "gb_industry": ("国标行业", "国民经济行业", "国民经济行业分类", "国标行业分类", "gbindustry"),
    "employees": (
        "参保人数",
        "员工人数",
        "从业人数",
        "职工人数",
        "employees",
        "insuredemployees",
        "staff",
    ),
    "size": ("企业规模", "规模", "size", "companysize"),
    "revenue": ("营业收入", "营收", "营业收入(亿元)", "revenue", "revenue_cny_100m"),
    "revenue_year": ("营收年份", "年份", "revenueyear", "revenue_year"),
    "listed": ("股票代码", "证券代码", "上市代码", "stockcode", "stock_code", "ticker", "listed"),
    "parent": ("母公司", "所属集团", "集团", "parent", "parentcompany"),
    "short_name": ("简称", "企业简称", "证券简称", "股票简称", "short_name", "shortname"),
    "source": ("来源", "数据来源", "source", "source_url", "sourceurl"),
    "segments": ("segments", "环节", "产业链环节", "segment"),
    "flags": ("企业标签", "标签", "资质", "flags", "tags"),
    "flag:高新技术企业": (
        "高新技术企业",
        "高新企业",
        "是否高新技术企业",
        "hightech",
        "high-techenterprise",
    ),
    "flag:专精特新": ("专精特新", "专精特新企业", "是否专精特新", "specialised", "srdi"),
    "flag:小巨人": ("小巨人", "专精特新小巨人", "littlegiant"),
    # Registry risk columns (企查查/天眼查 exports give a count, 是/否 or a date): a filled,
    # non-zero cell becomes a 风险: flag; the ranking bars 严重违法失信 and 失信被执行人 and
    # names the others as warnings (docs/methods.md).
    "flag:风险:严重违法失信": (
        "严重违法失信",
        "严重违法",
        "严重违法失信名单",
        "严重违法失信企业名单",
    ),
    "flag:风险:失信被执行人": ("失信被执行人", "失信信息", "失信被执行人信息"),
    "flag:风险:经营异常": ("经营异常", "经营异常信息", "经营异常名录", "是否经营异常"),
    "flag:风险:被执行人": ("被执行人", "被执行人信息"),
    "flag:风险:行政处罚": ("行政处罚", "行政处罚信息"),
    "flag:风险:股权冻结": ("股权冻结", "股权冻结信息"),
}

_TARGETS = (
    frozenset(ENTERPRISE_COLUMNS)
    | frozenset(EXTRA_COLUMNS)
    | frozenset(k for k in HEADER_ALIASES if k.startswith("flag:"))
)
_DERIVED = frozenset(
    {
        "enterprise_id",
        "active",
        "region_code",
        "segments_source",
        "capital_currency",
        "source_row",
        "paid_in_currency",
    }
)

_CURRENCIES = (
    ("人民币", "CNY"), ("美元", "USD"), ("港元", "HKD"), ("港币", "HKD"), ("欧元", "EUR"),
    ("日元", "JPY"), ("英镑", "GBP"), ("新台币", "TWD"), ("澳门元", "MOP"), ("韩元", "KRW"),
    ("新加坡元", "SGD"), ("加元", "CAD"), ("加拿大元", "CAD"), ("澳元", "AUD"),
    ("澳大利亚元", "AUD"), ("瑞士法郎", "CHF"), ("卢布", "RUB"),
    ("USD", "USD"), ("CNY", "CNY"), ("RMB", "CNY"), ("HKD", "HKD"), ("EUR", "EUR"),
    ("JPY", "JPY"), ("GBP", "GBP"),
)  # fmt: skip
_CAPITAL_NUMBER = re.compile(r"(\d[\d,，]*(?:\.\d+)?)\s*(亿|万|千)?")
_UNIT_SCALE = {"亿": 1e4, "万": 1.0, "千": 0.1, None: None}
#: A sign before the amount ("-100万", "－100万"): no registered capital is negative.
_NEGATIVE = re.compile(r"^\s*[-−－]\s*\d")
#: 10^12 万 (10^16 元) is far above any registered capital; larger is a typing error.
_MAX_CAPITAL = 1e12
#: Founding dates outside these are typing errors (9999-12-31 is a common placeholder).
_FOUNDED_RANGE = (dt.date(1800, 1, 1), dt.date(2100, 12, 31))

_INACTIVE = re.compile(
    r"注销|吊销|撤销|责令关闭|歇业|停业|清算|dissolved|revoked|deregistered|cancell?ed|closed",
    re.IGNORECASE,
)
_TRUE = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "x"})
_FALSE = frozenset({"否", "无", "n", "no", "false", "0", "-", "—"})


# ---------------------------------------------------------------------- values


def parse_capital(text: object, *, unit: str | None = "万") -> tuple[float | None, str | None]:
    """Parse a capital string into (amount in 万, currency code); (None, None) if blank.

    ``unit`` is the header's unit (``注册资本(万元)`` → 万) used for bare numbers.
    A string without a currency is in 人民币 (CNY). Raises ``ValueError`` when no
    amount can be read.

    Examples
    --------
    >>> parse_capital("5000万元人民币")
    (5000.0, 'CNY')
    >>> parse_capital("100万美元")
    (100.0, 'USD')
    >>> parse_capital("1.2亿")
    (12000.0, 'CNY')
    >>> parse_capital("3,000")
    (3000.0, 'CNY')
    >>> parse_capital("500000", unit="元")
    (50.0, 'CNY')
    """
    raw = values.text(text)
    if raw is None or raw in DASHES:
        return None, None
    m = _CAPITAL_NUMBER.search(raw)
    if not m:
        raise ValueError(f"no amount in {raw!r}")
    if _NEGATIVE.match(raw[: m.start()] + raw[m.start() : m.start() + 1]):
        raise ValueError(f"资本为负 / negative capital {raw!r}")
    amount = float(m.group(1).replace(",", "").replace("，", ""))
    scale = _UNIT_SCALE[m.group(2)]
    if scale is None:
        scale = {"亿": 1e4, "万": 1.0, "元": 1e-4}.get(unit or "万", 1.0)
        if re.search(r"\d\s*元", raw) and unit != "元":
            scale = 1e-4  # "500000元" states its unit
    currency = next((code for word, code in _CURRENCIES if word in raw.upper()), "CNY")
    value = round(amount * scale, 6)
    if not math.isfinite(value) or value > _MAX_CAPITAL:
        raise ValueError(f"资本超出范围 / capital out of range {raw[:40]!r}")
    return value, currency


def is_active(status: object) -> bool:
    """False for deregistered, revoked or closed firms; True otherwise (also when blank).

    Examples
    --------
    >>> is_active("存续（在营、开业、在册）"), is_active("注销"), is_active("吊销，未注销")
    (True, False, False)
    """
    raw = values.text(status)
    return raw is None or not _INACTIVE.search(raw)


def _normalised_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s+", "", text).lower()


def enterprise_id(uscc: str | None, name: str, region_code: str | None) -> str:
    """The USCC when valid, else ``h:`` + 16 hex digits of SHA-256(normalised name|region).

    The name is NFKC-normalised (full-width brackets become ASCII), stripped of all
    whitespace and lower-cased; the region is the 6-digit code or empty.

    Examples
    --------
    >>> enterprise_id(None, "浙江三美化工股份有限公司", "330723")
    'h:939731a7586c98c8'
    >>> enterprise_id(None, " 浙江三美化工股份有限公司 ", "330723") == enterprise_id(
    ...     None, "浙江三美化工股份有限公司", "330723")
    True
    """
    if uscc and valid_uscc(uscc):
        return uscc
    return _name_id(name, region_code)


def _name_id(name: str, region_code: str | None) -> str:
    key = f"{_normalised_name(name)}|{region_code or ''}".encode()
    return "h:" + hashlib.sha256(key).hexdigest()[:16]


# ---------------------------------------------------------------------- headers


#: Traditional characters of registry headers (Big5 exports from Taiwan and Hong Kong),
#: so 企業名稱 finds the column 企业名称 does. Headers only; cell text is never changed.
_TRADITIONAL_HEADER = str.maketrans(
    "業稱記狀態屬區縣經營範圍統會碼註資參數號電話產類標規點網證實際設辦",
    "业称记状态属区县经营范围统会码注资参数号电话产类标规点网证实际设办",
)


def _header_key(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = text.translate(_TRADITIONAL_HEADER)
    text = re.sub(r"\s+", "", text)
    return re.sub(r"\([^)]*\)$", "", text) or text


#: The built-in aliases by header key (:func:`_header_key`).
_BUILTIN_KEYS = {
    _header_key(a): target for target, aliases in HEADER_ALIASES.items() for a in aliases
}


def _header_unit(header: object) -> str | None:
    m = re.search(r"\(([^)]*)\)$", unicodedata.normalize("NFKC", str(header)).strip())
    if not m:
        return None
    unit = m.group(1)
    for word in ("亿", "万"):
        if word in unit:
            return word
    return "元" if "元" in unit else None


def read_mapping(path: str | Path) -> dict[str, str]:
    """Read a user header mapping: a TOML file with ``[columns]`` ``"原表头" = "canonical"``."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("文件不存在 / file not found", file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"不是有效的TOML / not valid TOML: {exc}", file=str(path)) from None
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise InputError(
            "缺少 [columns] 表 / no [columns] table",
            file=str(path),
            hint='write [columns] then lines like "企业名称" = "name"',
        )
    mapping = {str(k): str(v) for k, v in columns.items()}
    _check_targets(mapping, str(path), named=True)  # the mapping's own file is at fault
    return mapping


def _check_targets(mapping: Mapping[str, str], source: str, *, named: bool = False) -> None:
    for header, target in mapping.items():
        if target not in _TARGETS or target in _DERIVED:
            key = f'[columns] "{header}" = "{target}": ' if named else ""
            raise InputError(
                f"{key}映射目标未知 / unknown mapping target {target!r}",
                file=source,
                hint="targets are the canonical enterprise columns, e.g. name, uscc, address",
            )


def mapping_notes(headers: Sequence[str], mapping: Mapping[str, str]) -> list[str]:
    """A note naming the ``--mapping`` headers the file does not have (a typo maps nothing).

    >>> mapping_notes(["企业名称", "地址"], {"企业名称 ": "name", "公司地址": "address"})
    ['  映射中的表头不在文件中 / mapped headers not in the file (nothing read from them): 公司地址']
    """
    have = {_header_key(h) for h in headers}
    missing = [str(k) for k in mapping if _header_key(k) not in have]
    if not missing:
        return []
    shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
    return [
        f"  映射中的表头不在文件中 / mapped headers not in the file (nothing read from them): {shown}"
    ]


def _column_plan(headers: Sequence[str], mapping: Mapping[str, str], source: str) -> dict[str, str]:
    """input header -> target column, first header winning per target."""
    _check_targets(mapping, source)
    user = {_header_key(k): v for k, v in mapping.items()}
    builtin = _BUILTIN_KEYS
    plan: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = _header_key(header)
        target = user.get(key) or builtin.get(key)
        if target and target not in taken:
            plan[header] = target
            taken.add(target)
    # An adcode column stands in for the county cell only when the file has no county
    # name (a 6-digit code resolves there; `county` stays "as given" when both exist).
    if "county" not in taken:
        adcode = next((h for h in headers if _header_key(h) in _ADCODE_HEADERS), None)
        if adcode is not None:
            plan[adcode] = "county"
    return plan


def _extra_columns(
    headers: Sequence[str], plan: Mapping[str, str], mapping: Mapping[str, str]
) -> list[tuple[str, int]]:
    """The columns kept as they are (name in the output, position): those no canonical
    column takes.

    A column that maps to a canonical column an earlier one took is kept too; when its
    header is itself a canonical name (``name`` after 企业名称), as ``name.1``, since the
    output has a ``name`` already (it was dropped without a word). Other canonical names
    (``enterprise_id`` of a file chainmap wrote) are computed again, not kept.
    """
    user = {_header_key(k): v for k, v in mapping.items()}
    names = set(headers) | set(_TARGETS)
    out = []
    for i, header in enumerate(headers):
        if header in plan:
            continue
        if header not in _TARGETS:
            out.append((header, i))
            continue
        key = _header_key(header)
        target = user.get(key) or _BUILTIN_KEYS.get(key)
        if target and target in plan.values():  # it lost to an earlier column
            k = 1
            while f"{header}.{k}" in names:
                k += 1
            names.add(f"{header}.{k}")
            out.append((f"{header}.{k}", i))
    return out


#: Headers of a 6-digit adcode column (dropped before: every firm was "not resolved").
_ADCODE_HEADERS = frozenset(
    _header_key(h) for h in ("行政区划代码", "区划代码", "行政区代码", "region_code", "adcode")
)


# ---------------------------------------------------------------------- reading


def read_enterprises(
    path: str | Path,
    *,
    mapping: str | Path | Mapping[str, str] | None = None,
    strict: bool = False,
    sheet: str | int | None = None,
) -> tuple[pd.DataFrame, ImportReport]:
    """Read an enterprise list (CSV, XLSX or Parquet) into the canonical table.

    Parameters
    ----------
    path
        The file; CSV encoding and title rows above the header are detected.
    mapping
        Extra header mapping, ``{"原表头": "canonical_column"}`` or a TOML file
        with a ``[columns]`` table.
    strict
        Reject rows with an invalid USCC instead of keeping them with a warning.

    Returns
    -------
    (DataFrame, ImportReport)
        Rows in input order; ``report.read == report.kept + report.rejected``.

    Examples
    --------
    A registry export with Chinese headers; the second row has no name:

    >>> import pathlib, tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "firms.csv"
    >>> _ = path.write_text("企业名称,登记状态,所属省份,所属城市,所属区县,经营范围\\n"
    ...                     "浙江示例氟材料有限公司,存续,浙江省,金华市,武义县,聚偏氟乙烯生产\\n"
    ...                     ",存续,浙江省,金华市,武义县,\\n", encoding="utf-8")
    >>> table, report = read_enterprises(path)
    >>> table[["name", "region_code", "active"]].values.tolist()
    [['浙江示例氟材料有限公司', '330723', True]]
    >>> report.counts()
    {'read': 2, 'kept': 1, 'rejected': 1, 'warnings': 0}
    >>> report.to_frame()[["row", "column", "code"]].values.tolist()
    [[3, '企业名称', 'missing_name']]
    >>> tmp.cleanup()
    """
    from chainmap.readwrite.reader import read_table

    path = Path(path)
    frame = read_table(path, sheet=sheet, text_cells=False)  # every cell goes through text()
    first = int(frame.attrs.get("first_row", 2))
    return normalise_enterprises(
        frame,
        source=str(path),
        mapping=mapping,
        strict=strict,
        row_numbers=range(first, first + len(frame)),
    )


def normalise_enterprises(
    frame: pd.DataFrame,
    *,
    source: str = "<frame>",
    mapping: str | Path | Mapping[str, str] | None = None,
    strict: bool = False,
    row_numbers: Sequence[int] | None = None,
    method: str = "columns",
) -> tuple[pd.DataFrame, ImportReport]:
    """Normalise an in-memory enterprise table; see :func:`read_enterprises`.

    ``row_numbers`` are the rows as the user sees them (default: header is row 1,
    so data starts at row 2, or ``frame.attrs["first_row"]``). ``method="rows"``
    runs the plain-Python reference, one row at a time; the default ``"columns"``
    parses column by column and gives the same table and report
    (``tests/test_import_columns.py`` compares the two).

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"企业名称": ["甲公司", "乙公司", None],
    ...                     "所属区县": ["武义县", "朝阳区", "武义县"],
    ...                     "登记状态": ["存续", "注销", None]})
    >>> table, report = normalise_enterprises(raw)
    >>> table[["name", "region_code", "active"]].values.tolist()
    [['甲公司', '330723', True], ['乙公司', None, False]]
    >>> report.counts()
    {'read': 3, 'kept': 2, 'rejected': 1, 'warnings': 2}
    >>> sorted(report.by_code())
    ['inactive', 'missing_name', 'region_unresolved']
    """
    table, report, _ = normalise_part(
        frame,
        source=source,
        mapping=mapping,
        strict=strict,
        row_numbers=row_numbers,
        method=method,
    )
    return table, report


def normalise_part(
    frame: pd.DataFrame,
    *,
    source: str = "<frame>",
    mapping: str | Path | Mapping[str, str] | None = None,
    strict: bool = False,
    row_numbers: Sequence[int] | None = None,
    method: str = "columns",
    merge: bool = True,
) -> tuple[pd.DataFrame, ImportReport, dict[str, str]]:
    """:func:`normalise_enterprises`, and the header of each canonical column it read.

    ``merge=False`` leaves rows that share an ``enterprise_id`` unmerged, for an import
    that reads a file in parts and merges across them (:func:`merge_duplicates`, once,
    over the rows of every part in file order: the items and the merged rows are then
    those of a whole-file import).
    """
    if isinstance(mapping, (str, Path)):
        mapping = read_mapping(mapping)
    headers: list[str] = []
    for column in frame.columns:  # duplicate headers get .1, .2 … as read_table does
        name, n = str(column), 0
        while name in headers:
            n += 1
            name = f"{column}.{n}"
        headers.append(name)
    if row_numbers is None:
        first = int(frame.attrs.get("first_row", 2))
        row_numbers = range(first, first + len(frame))
    row_numbers = list(row_numbers)
    if len(row_numbers) != len(frame):
        raise ValueError("row_numbers must have one entry per row")
    plan = _column_plan(headers, mapping or {}, source)
    if "name" not in plan.values():
        guessed = " ".join(n.strip() for n in frame.attrs.get("notes") or [])
        raise InputError(
            f"找不到企业名称列 / no enterprise name column; found {[h[:40] for h in headers[:12]]}",
            file=source,
            hint='name it 企业名称 or map it with --mapping ([columns] "原表头" = "name")'
            + (f" ({guessed})" if guessed else ""),
        )
    report = ImportReport(source=source)
    by_target = {target: header for header, target in plan.items()}
    position = {target: headers.index(header) for target, header in by_target.items()}
    extras = _extra_columns(headers, plan, mapping or {})
    if method == "rows":
        records = _normalise_rows(frame, row_numbers, position, by_target, extras, report, strict)
        if merge:
            records = merge_duplicates(records, report, by_target)
        records = _records_to_columns(records, extras)
    elif method == "columns":
        with collector_paused():
            records = _normalise_columns(
                frame, row_numbers, position, by_target, extras, report, strict, merge
            )
    else:
        raise ValueError(f"method must be 'columns' or 'rows', not {method!r}")
    report.check()
    report.notes.extend(mapping_notes(headers, mapping or {}))
    columns = [*ENTERPRISE_COLUMNS, *EXTRA_COLUMNS, *[h for h, _ in extras]]
    # object columns throughout: ints stay ints, dates stay dates, blanks stay None
    size = len(records["name"])
    out = pd.DataFrame(
        {c: pd.Series(records.get(c, [None] * size), dtype=object) for c in columns},
        columns=columns,
    )
    if method == "rows":  # the columns already hold a new list in every cell
        for col in ("segments", "flags"):
            out[col] = out[col].map(lambda v: list(v) if isinstance(v, list) else [])
    out["active"] = out["active"].astype(bool)
    return out.reset_index(drop=True), report, by_target


def _overlong_message(fields: int, headers: int) -> str:
    return (
        f"本行有 {fields} 个字段, 表头只有 {headers} 个 / the row has "
        f"{fields} fields, the header {headers}; quote cells that hold commas"
    )


def _records_to_columns(records: list[dict], extras: Sequence[tuple[str, int]]) -> dict[str, list]:
    columns = [*ENTERPRISE_COLUMNS, *EXTRA_COLUMNS, *[h for h, _ in extras]]
    return {c: [r.get(c) for r in records] for c in columns}


def note_blank_rows(read: int, total: int, report: ImportReport, notes: Sequence[str]) -> None:
    """Count ``read`` of ``total`` rows in ``report``: the blank rows skipped, then the
    reader's ``notes`` (an import read in parts calls it once, for the whole file)."""
    if read < total:
        report.notes.append(f"  跳过空行 / blank rows skipped: {total - read}")
    report.read = read
    report.notes.extend(notes)


def _normalise_rows(
    frame: pd.DataFrame,
    row_numbers: Sequence[int],
    position: Mapping[str, int],
    by_target: Mapping[str, str],
    extras: Sequence[tuple[str, int]],
    report: ImportReport,
    strict: bool,
) -> list[dict]:
    """The plain-Python reference: one row at a time (``method="rows"``)."""
    # plain tuples: row access through pandas costs more than all the parsing
    rows = list(frame.itertuples(index=False, name=None))
    keep_rows = [i for i, row in enumerate(rows) if not all(is_blank(v) for v in row)]
    note_blank_rows(len(keep_rows), len(rows), report, frame.attrs.get("notes") or [])
    overlong = frame.attrs.get("overlong_rows") or {}
    records: list[dict] = []
    for i in keep_rows:
        row = rows[i]
        if row_numbers[i] in overlong:
            report.reject(
                row_numbers[i],
                None,
                "too_many_fields",
                _overlong_message(overlong[row_numbers[i]], len(frame.columns)),
            )
            continue
        rec = _normalise_row(row, row_numbers[i], position, by_target, report, strict)
        if rec is None:
            continue
        for h, j in extras:
            rec[h] = None if is_blank(row[j]) else row[j]
        records.append(rec)
    return records


#: Registered capital as most exports write it: "1234.56万人民币", "500万元", "2亿美元".
_CAPITAL_PLAIN = re.compile(r"(\d{1,12}(?:\.\d{1,6})?)(万|亿)元?(人民币|美元)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEXT_COLUMNS = ("legal_rep", "status", "province", "city", "county", "address", "scope",
                 "listed", "parent", "short_name", "source", "size", "industry_section",
                 "industry_division", "industry_group", "industry_class",
                 "gb_industry")  # fmt: skip
# Order of the checks within a row, as _normalise_row makes them: a row's report
# items come in this order, rows in input order.
_STEP = {
    "reject": 0, "invalid_uscc": 1, "inactive": 2, "region": 3, "registered_capital": 4,
    "paid_in_capital": 5, "founded": 6, "employees": 7, "revenue": 8, "revenue_year": 9,
    "negative_employees": 10, "segments": 11,
}  # fmt: skip


def _text_cells(cells: Sequence[object]) -> list[str | None]:
    """:func:`values.text` of every cell; text cells (nearly all) without a call."""
    text = values.text
    return [
        (v.strip() or None) if type(v) is str else (None if v is None else text(v)) for v in cells
    ]


#: Canonical columns the import only strips (:func:`_text_cells`) and stores: an import
#: read in parts keeps their cells in Arrow (:func:`arrow_text_cells`), so the scopes,
#: three quarters of a registry's bytes, never become Python strings.
STORED_TEXT_COLUMNS = ("legal_rep", "scope", "listed", "parent", "short_name", "source", "size",
                       "industry_section", "industry_division", "industry_group",
                       "industry_class", "gb_industry")  # fmt: skip


@functools.cache
def _spaces() -> Any:
    """The characters ``str.strip()`` removes (``str.isspace``; all lie in the BMP), in Arrow."""
    import pyarrow as pa

    return pa.array([c for c in map(chr, range(0x10000)) if c.isspace()], pa.string())


def arrow_text_cells(column: Any) -> Any:
    """:func:`_text_cells` of pyarrow strings, in Arrow: each stripped, null where blank.

    Only the cells that are empty or have a space at either end are read in Python (a
    registry has few); the others are their text already.

    >>> import pyarrow as pa
    >>> arrow_text_cells(pa.chunked_array([["甲 ", "\\u3000", "", "乙\\x85丙", None]])).to_pylist()
    ['甲', None, None, '乙\\x85丙', None]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    spaces = _spaces()
    odd = pc.or_(
        pc.or_(
            pc.is_in(pc.utf8_slice_codeunits(column, 0, 1), value_set=spaces),
            pc.is_in(pc.utf8_slice_codeunits(column, -1), value_set=spaces),
        ),
        pc.equal(column, ""),
    ).fill_null(False)
    if not pc.any(odd).as_py():
        return column
    cells = column.filter(odd).to_pylist()
    return pc.replace_with_mask(column, odd, pa.array(_text_cells(cells), type=column.type))


def _blank_or_text(cells: Sequence[object]) -> list[object]:
    """:func:`_text_cells`, except that list and array cells stay as they are.

    Such a cell is never blank (its text is ``[…]``), which is all that is read of the
    texts of a list column: numpy formatting a million array cells as text took 11 s.
    """
    text = values.text
    return [
        v
        if isinstance(v, (list, np.ndarray))
        else (v.strip() or None)
        if type(v) is str
        else (None if v is None else text(v))
        for v in cells
    ]


def _capital_cell(raw: object, text: str | None, unit: str) -> tuple[float | None, str | None]:
    """:func:`parse_capital` of one cell; the usual spellings read without the general parse."""
    if text is None:
        return None, None
    if m := _CAPITAL_PLAIN.fullmatch(text):
        value = round(float(m.group(1)) * (1e4 if m.group(2) == "亿" else 1.0), 6)
        if value <= _MAX_CAPITAL:
            return value, "USD" if m.group(3) == "美元" else "CNY"
    return parse_capital(raw, unit=unit)


#: Distinct cells from which a column's common spellings are read at once (:func:`_parsed`).
_MANY_MIN = 1000

# _CAPITAL_PLAIN in 万, ASCII digits only (Python's \d also takes other scripts' digits,
# which float() reads: those cells go through _capital_cell).
_CAPITAL_PLAIN_WAN = r"^(?P<n>[0-9]{1,12}(?:\.[0-9]{1,6})?)(?P<u>万|亿)元?(?P<c>人民币|美元)?$"


def _plain_capitals(texts: list[str | None]) -> list[tuple[float, str] | None]:
    """:func:`_capital_cell` of many texts at once, for its commonest spelling (a number of
    万, below 10⁹): pyarrow reads them; None for every other text (and without pyarrow).

    Below 10⁹ with at most six decimals, ``round(float(n), 6)`` is ``float(n)`` (the
    double is within 10⁻⁷ of ``n``), and pyarrow's cast to float64 rounds correctly, as
    ``float`` does: the same value, which ``tests/test_enterprises.py`` checks.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return [None] * len(texts)
    found = pc.extract_regex(pa.array(texts, pa.string()), _CAPITAL_PLAIN_WAN)
    matched = found.is_valid()  # (the fields of a text that did not match hold "")
    digits = pc.if_else(matched, pc.struct_field(found, "n"), pa.scalar(None, pa.string()))
    number = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)
    wan = pc.and_(matched, pc.equal(pc.struct_field(found, "u"), "万"))
    plain = pc.fill_null(wan, False).to_numpy(zero_copy_only=False) & (
        np.nan_to_num(number, nan=np.inf) < 1e9
    )
    usd = pc.equal(pc.struct_field(found, "c"), "美元")
    usd = pc.fill_null(usd, False).to_numpy(zero_copy_only=False)
    return [
        (n, "USD" if d else "CNY") if ok else None
        for n, d, ok in zip(number.tolist(), usd.tolist(), plain.tolist(), strict=True)
    ]


def _number_cell(raw: object, text: str | None, kind: type) -> float | int | None:
    """:func:`to_number` of one cell; plain digit strings read without the general parse."""
    if text is None:
        return None
    if len(text) <= 15 and text.isascii() and text.isdigit():
        return kind(text)
    return to_number(raw, kind)


#: A revenue cell in another currency: never converted (rates move; see capital).
_FOREIGN_MONEY = re.compile(
    r"美元|港元|港币|欧元|日元|英镑|韩元|USD|HKD|EUR|JPY|GBP|KRW|\$|€|£|円", re.I
)


def revenue_yi(value: object) -> float | None:
    """Revenue in 亿元 from a cell as exports write it; ``ValueError`` for a foreign currency.

    A bare number is already 亿元 (the canonical unit); a unit in the cell is honoured, so a
    registry's ``5000万元`` is 0.5, not 5,000 亿元.

    Examples
    --------
    >>> revenue_yi("46.1"), revenue_yi("46.1亿元"), revenue_yi("5,000万元"), revenue_yi("1.2万亿")
    (46.1, 46.1, 0.5, 12000.0)
    >>> revenue_yi("123456789元"), revenue_yi(None)
    (1.23456789, None)
    """
    number = to_number(value, float)
    if number is None:
        return None
    raw = str(value)
    if _FOREIGN_MONEY.search(raw):
        raise ValueError(
            f"营收为外币, 不换算 / revenue in a foreign currency is not converted: {raw[:40]!r}"
        )
    if number < 0:  # (a loss is no negative revenue: likely net profit in the wrong column)
        raise ValueError(f"营收为负 / negative revenue {raw[:40]!r}; 已留空 / left blank")
    if "万亿" in raw:
        return number * 1e4
    if "亿" in raw:
        return number
    if "万" in raw:
        return number / 1e4
    if "元" in raw:
        return number / 1e8
    return number


def _revenue_cell(raw: object, text: str | None) -> float | None:
    """:func:`revenue_yi` of one cell (a plain number read as it is)."""
    if text is None:
        return None
    if len(text) <= 15 and text.isascii() and text.replace(".", "", 1).isdigit():
        return float(text)
    return revenue_yi(raw)


def _founded_cell(raw: object, text: str | None) -> dt.date | None:
    """The founding date of one cell, as :func:`_normalise_row` reads it."""
    if text is None:
        return None
    if _ISO_DATE.fullmatch(text):
        try:
            return _founded(dt.date.fromisoformat(text))
        except ValueError:
            pass  # the general parse raises the same error with its own message
    return _founded(parse_date(raw))


def _parsed(
    raws: Sequence[object],
    texts: Sequence[str | None],
    rows: list[int],
    parse: Callable,
    many: Callable[[list[str | None]], list] | None = None,
) -> tuple[list, list[tuple[int, ValueError]]]:
    """``parse(raws[i], texts[i])`` for each of ``rows`` (None where it raised ValueError),
    and ``(i, error)`` for the rows where it did.

    Text cells are parsed once per distinct cell (exports repeat dates, head counts and
    round capitals: a million rows hold some thousands of distinct dates), the first
    row's result serving every row with that cell. A column of text alone (every CSV
    export) is factorised in one hashed pass and the results spread back as an array;
    a column that mixes types (a spreadsheet's numbers and dates) is read row by row.
    ``many`` (:func:`_plain_capitals`) may give the results of many distinct texts at
    once, None for those ``parse`` must read.
    """
    picked = raws[rows] if isinstance(raws, np.ndarray) else None
    if picked is None or pd.api.types.infer_dtype(picked, skipna=False) != "string":
        return _parsed_rows(raws, texts, rows, parse)
    codes, uniques = pd.factorize(picked)
    first = np.unique(codes, return_index=True)[1]  # codes number cells as they first occur
    results = np.empty(len(uniques), dtype=object)  # (None for a cell that did not parse)
    failed: dict[int, ValueError] = {}
    ready = None
    if many is not None and len(first) >= _MANY_MIN:
        ready = many([texts[rows[at]] for at in first.tolist()])
    for k, at in enumerate(first.tolist()):
        if ready is not None and ready[k] is not None:
            results[k] = ready[k]
            continue
        i = rows[at]
        try:
            value = parse(raws[i], texts[i])
        except ValueError as exc:
            failed[k] = exc
            continue
        results[k] = value
    errors = []
    if failed:
        bad = np.isin(codes, np.fromiter(failed, dtype=codes.dtype, count=len(failed)))
        errors = [(rows[j], failed[codes[j]]) for j in np.flatnonzero(bad).tolist()]
    return results[codes].tolist(), errors


def _parsed_rows(
    raws: Sequence[object], texts: Sequence[str | None], rows: list[int], parse: Callable
) -> tuple[list, list[tuple[int, ValueError]]]:
    """:func:`_parsed` row by row (text cells still parsed once per distinct cell)."""
    seen: dict[str, tuple[Any, ValueError | None]] = {}
    found_all: list = []
    errors: list[tuple[int, ValueError]] = []
    for i in rows:
        raw = raws[i]
        found = seen.get(raw) if type(raw) is str else None  # (the text follows from the raw)
        if found is None:
            try:
                found = (parse(raw, texts[i]), None)
            except ValueError as exc:
                found = (None, exc)
            if type(raw) is str:
                seen[raw] = found
        found_all.append(found[0])
        if found[1] is not None:
            errors.append((i, found[1]))
    return found_all, errors


def _take(values: Sequence, rows: list[int], n: int) -> list:
    """``values`` at ``rows``; a copy of the whole list when every row of ``n`` is kept."""
    return list(values) if len(rows) == n else [values[i] for i in rows]


def _normalise_columns(
    frame: pd.DataFrame,
    row_numbers: Sequence[int],
    position: Mapping[str, int],
    by_target: Mapping[str, str],
    extras: Sequence[tuple[str, int]],
    report: ImportReport,
    strict: bool,
    merge: bool = True,
) -> dict[str, list]:
    """:func:`_normalise_rows`, column by column: the same table and report, faster.

    Each column is read once into stripped text; values that repeat (status,
    country, location parts, flags, segment tags) are parsed once per distinct
    value; USCC check digits are checked as one array (:func:`valid_usccs`). Report
    items are collected with their row and their step of :func:`_normalise_row`
    and sorted into the order the row-by-row reference writes them.
    """
    work = _ColumnImport(frame, row_numbers, position, by_target, report)
    work.row_checks()
    work.uscc(strict)
    work.texts()
    work.status()
    work.location()
    work.capital()
    work.founded()
    work.numbers()
    work.segments()
    work.flags()
    work.ids_and_extras(extras)
    work.report_items()
    return _merge_duplicate_columns(work.out, report, by_target) if merge else work.out


class _ColumnImport:
    """The state of one column-by-column import; each method fills columns of ``out``.

    ``rows`` are the positions still kept, ``items`` the report items as
    ``(position, step, k, severity, column, code, message)``.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        row_numbers: Sequence[int],
        position: Mapping[str, int],
        by_target: Mapping[str, str],
        report: ImportReport,
    ) -> None:
        self.frame, self.row_numbers = frame, row_numbers
        self.position, self.by_target, self.report = position, by_target, report
        self.n = n = len(frame)
        self.raw = [frame.iloc[:, j].to_numpy(dtype=object) for j in range(frame.shape[1])]
        # The segments and flags columns are read from their raw cells; their texts only
        # say which cells are blank, so list cells (Parquet) are not formatted as text.
        listed = {position[t] for t in ("segments", "flags") if t in position}
        self.text = [
            _blank_or_text(col) if j in listed else _text_cells(col)
            for j, col in enumerate(self.raw)
        ]
        # Blank rows: all cells blank. A named row is not (nearly every row): look further
        # only where the name is missing.
        name_at = position.get("name")
        unnamed = (
            range(n)
            if name_at is None
            else [i for i, v in enumerate(self.text[name_at]) if v is None]
        )
        blank = {i for i in unnamed if all(col[i] is None for col in self.text)}
        self.keep = [i for i in range(n) if i not in blank] if blank else list(range(n))
        note_blank_rows(len(self.keep), n, report, frame.attrs.get("notes") or [])
        self.items: list[tuple[int, int, int, str, str | None, str, str]] = []
        self.rows: list[int] = []
        self.out: dict[str, list] = {}

    def cells(self, target: str, source: list[list]) -> list:
        at = self.position.get(target)
        return [None] * self.n if at is None else source[at]

    def warn(self, i: int, step: str, column: str | None, code: str, message: str, k: int = 0):
        self.items.append((i, _STEP[step], k, "warning", column, code, message))

    def absent(self) -> list:
        return [None] * len(self.rows)

    def row_checks(self) -> None:
        """Reject overlong rows and rows without a name."""
        overlong = self.frame.attrs.get("overlong_rows") or {}
        names = self.cells("name", self.text)
        for i in self.keep:
            number = self.row_numbers[i]
            if number in overlong:
                message = _overlong_message(overlong[number], len(self.frame.columns))
                self.items.append((i, 0, 0, "rejected", None, "too_many_fields", message))
            elif names[i] is None:
                message = "企业名称为空 / no name"
                name_column = self.by_target["name"]
                self.items.append((i, 0, 0, "rejected", name_column, "missing_name", message))
            else:
                self.rows.append(i)

    def uscc(self, strict: bool) -> None:
        """Clean the codes, check them as one array; warn (or reject, ``strict``) the invalid."""
        uscc_text = self.cells("uscc", self.text)
        plain = USCC_PLAIN.fullmatch
        cleaned = {
            i: code if plain(code) else clean_uscc(code)
            for i in self.rows
            if (code := uscc_text[i]) is not None
        }
        self.valid = dict(zip(cleaned, valid_usccs(list(cleaned.values())).tolist(), strict=True))
        column = self.by_target.get("uscc")
        survivors = []
        for i in self.rows:
            code = cleaned.get(i)
            if code and not self.valid[i]:
                msg = _invalid_uscc(code)
                if strict:
                    step = _STEP["invalid_uscc"]
                    self.items.append((i, step, 0, "rejected", column, "invalid_uscc", msg))
                    continue
                self.warn(i, "invalid_uscc", column, "invalid_uscc", msg)
            survivors.append(i)
        self.rows = survivors
        self.out["uscc"] = [cleaned.get(i) for i in self.rows]

    def texts(self) -> None:
        """The text columns as they are, and each row's number as the user sees it."""
        rows, n = self.rows, self.n
        for c in ("name", *_TEXT_COLUMNS):
            at = self.position.get(c)
            self.out[c] = self.absent() if at is None else _take(self.text[at], rows, n)
        self.out["source_row"] = _take(self.row_numbers, rows, n)

    def status(self) -> None:
        active_of: dict[str | None, bool] = {}
        active = []
        for i, status in zip(self.rows, self.out["status"], strict=True):
            if status not in active_of:
                active_of[status] = is_active(status)
            active.append(active_of[status])
            if not active[-1]:
                msg = _inactive(status)
                self.warn(i, "inactive", self.by_target.get("status"), "inactive", msg)
        self.out["active"] = active

    def location(self) -> None:
        """Country, and the region of Chinese firms: once per (province, city, county)."""
        by_target, out = self.by_target, self.out
        countries = self.cells("country", self.text)
        where = by_target.get("county") or by_target.get("city") or by_target.get("province")
        where = where or by_target.get("address")
        chinese: dict[str, bool] = {}
        by_parts: dict[tuple, tuple[str | None, str]] = {}
        out["country"], out["region_code"] = [], []
        located = zip(
            self.rows, out["province"], out["city"], out["county"], out["address"], strict=True
        )
        for i, province, city, county, address in located:
            country = countries[i] or "中国"
            out["country"].append(country)
            if country not in chinese:
                chinese[country] = is_chinese(country)
            if not chinese[country]:
                out["region_code"].append(None)
                continue
            parts = (province, city, county)
            found = by_parts.get(parts)
            if found is None:
                found = by_parts[parts] = _region(
                    {"province": province, "city": city, "county": county, "address": None}
                )
            if found[0] is None or found[1]:  # the address may decide: not shared by the parts
                found = _region(
                    {"province": province, "city": city, "county": county, "address": address}
                )
            code, reason = found
            out["region_code"].append(code)
            if reason:
                self.warn(i, "region", where, _region_warning(code, reason), reason)

    def capital(self) -> None:
        for target, currency_col in (
            ("registered_capital", "capital_currency"),
            ("paid_in_capital", "paid_in_currency"),
        ):
            if target not in self.position:
                self.out[target], self.out[currency_col] = self.absent(), self.absent()
                continue
            header = self.by_target.get(target)
            unit = _header_unit(header or "") or "万"
            raws, texts = self.cells(target, self.raw), self.cells(target, self.text)
            parse = functools.partial(_capital_cell, unit=unit)
            found, errors = _parsed(raws, texts, self.rows, parse, _plain_capitals)
            for i, exc in errors:
                self.warn(i, target, header, "bad_capital", _bad_capital(exc, raws[i]))
            none = (None, None)
            self.out[target] = [(f or none)[0] for f in found]
            self.out[currency_col] = [(f or none)[1] for f in found]

    def founded(self) -> None:
        raws, texts = self.cells("founded", self.raw), self.cells("founded", self.text)
        founded, errors = _parsed(raws, texts, self.rows, _founded_cell)
        for i, exc in errors:
            msg = _bad_date(exc, raws[i])
            self.warn(i, "founded", self.by_target.get("founded"), "bad_date", msg)
        self.out["founded"] = founded

    def numbers(self) -> None:
        for col, kind in (("employees", int), ("revenue", float), ("revenue_year", int)):
            if col not in self.position:
                self.out[col] = self.absent()
                continue
            raws, texts = self.cells(col, self.raw), self.cells(col, self.text)
            parse = (
                _revenue_cell if col == "revenue" else functools.partial(_number_cell, kind=kind)
            )
            numbers, errors = _parsed(raws, texts, self.rows, parse)
            for i, exc in errors:
                msg = _bad_number(raws[i], exc)
                self.warn(i, col, self.by_target.get(col), "bad_number", msg)
            self.out[col] = numbers
        employees = self.out["employees"]
        for k, (i, count) in enumerate(zip(self.rows, employees, strict=True)):
            if count is not None and count < 0:
                msg = _negative_employees(count)
                column = self.by_target.get("employees")
                self.warn(i, "negative_employees", column, "bad_number", msg)
                employees[k] = None

    def segments(self) -> None:
        """Tags as segment ids, each distinct text cell read once (:func:`_segment_cell`)."""
        if "segments" not in self.position:
            segments: list[list[str]] = [[] for _ in self.rows]
        else:
            raws = self.cells("segments", self.raw)
            column = self.by_target.get("segments")
            tagged: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
            segments = []
            for i in self.rows:
                cell = raws[i]
                if isinstance(cell, str):
                    if cell not in tagged:
                        tagged[cell] = _segment_cell(cell)
                    tags, problems = tagged[cell]
                    tags = list(tags)
                else:
                    tags, problems = _segment_cell(cell)
                for k, (code, message) in enumerate(problems):
                    self.warn(i, "segments", column, code, message, k)
                segments.append(tags)
        self.out["segments"] = segments
        self.out["segments_source"] = ["tagged" if tags else None for tags in segments]

    def flags(self) -> None:
        """The ``flags`` cell's items, then the ``flag:`` columns that are set (in header order)."""
        flag_columns = [
            (t.removeprefix("flag:"), self.text[self.position[t]])
            for t in self.by_target
            if t.startswith("flag:")
        ]
        if "flags" not in self.position and not flag_columns:
            self.out["flags"] = [[] for _ in self.rows]
            return
        raws = self.cells("flags", self.raw)
        set_by: dict[str | None, bool] = {}
        flags = []
        for i in self.rows:
            row_flags = split_list(raws[i])
            for flag, column in flag_columns:
                value = column[i]
                if value not in set_by:
                    set_by[value] = _flag_on(value)
                if set_by[value] and flag not in row_flags:
                    row_flags.append(flag)
            flags.append(row_flags)
        self.out["flags"] = flags

    def ids_and_extras(self, extras: Sequence[tuple[str, int]]) -> None:
        out, valid = self.out, self.valid
        out["enterprise_id"] = [
            code if code and valid[i] else _name_id(name, region)
            for i, code, name, region in zip(
                self.rows, out["uscc"], out["name"], out["region_code"], strict=True
            )
        ]
        for h, j in extras:
            column, blank = self.raw[j], self.text[j]
            out[h] = [None if blank[i] is None else column[i] for i in self.rows]

    def report_items(self) -> None:
        """Write the items in the reference's order: by row, then by step within the row."""
        self.items.sort(key=lambda item: item[:3])
        same: dict[str, str] = {}  # one object per distinct message (many rows share one)
        for i, _step, _k, severity, column, code, message in self.items:
            add = self.report.reject if severity == "rejected" else self.report.warn
            add(self.row_numbers[i], column, code, same.setdefault(message, message))


def _merge_duplicate_columns(
    out: dict[str, list], report: ImportReport, by_target: Mapping[str, str]
) -> dict[str, list]:
    """:func:`merge_duplicates` on column lists: only rows that share an id are touched."""
    ids = out["enterprise_id"]
    if len(set(ids)) == len(ids):  # no two rows share an id (the usual export): nothing to merge
        return out
    seen: dict[str, int] = {}
    shared: set[str] = set()
    for eid in ids:
        if eid in seen:
            shared.add(eid)
        seen[eid] = 1
    if not shared:
        return out
    at = [k for k, eid in enumerate(ids) if eid in shared]
    records = [{c: out[c][k] for c in out} for k in at]
    merged = {id(r) for r in merge_duplicates(records, report, by_target)}
    for k, rec in zip(at, records, strict=True):
        for c in out:
            out[c][k] = rec[c]
    drop = {k for k, rec in zip(at, records, strict=True) if id(rec) not in merged}
    return {c: [v for k, v in enumerate(column) if k not in drop] for c, column in out.items()}


def _normalise_row(
    row: tuple,
    rownum: int,
    position: Mapping[str, int],
    by_target: Mapping[str, str],
    report: ImportReport,
    strict: bool,
) -> dict | None:
    def get(target: str) -> object:
        at = position.get(target)
        return None if at is None else row[at]

    name = values.text(get("name"))
    if name is None:
        report.reject(rownum, by_target["name"], "missing_name", "企业名称为空 / no name")
        return None
    rec: dict = {"name": name, "source_row": rownum}
    for col in ("legal_rep", "status", "province", "city", "county", "address", "scope",
                "listed", "parent", "short_name", "source", "size", "industry_section",
                "industry_division", "industry_group", "industry_class",
                "gb_industry"):  # fmt: skip
        rec[col] = values.text(get(col))

    uscc = clean_uscc(get("uscc"))
    rec["uscc"] = uscc
    if uscc and not valid_uscc(uscc):
        msg = _invalid_uscc(uscc)
        if strict:
            report.reject(rownum, by_target["uscc"], "invalid_uscc", msg)
            return None
        report.warn(rownum, by_target["uscc"], "invalid_uscc", msg)

    rec["active"] = is_active(rec["status"])
    if not rec["active"]:
        report.warn(
            rownum,
            by_target.get("status"),
            "inactive",
            _inactive(rec["status"]),
        )

    country = values.text(get("country"))
    rec["country"] = country or "中国"
    if is_chinese(rec["country"]):
        code, reason = _region(rec)
        rec["region_code"] = code
        if reason:
            where = by_target.get("county") or by_target.get("city") or by_target.get("province")
            where = where or by_target.get("address")
            report.warn(rownum, where, _region_warning(code, reason), reason)
    else:
        rec["region_code"] = None

    for target, amount_col, currency_col in (
        ("registered_capital", "registered_capital", "capital_currency"),
        ("paid_in_capital", "paid_in_capital", "paid_in_currency"),
    ):
        header = by_target.get(target)
        try:
            amount, currency = parse_capital(get(target), unit=_header_unit(header or "") or "万")
        except ValueError as exc:
            amount, currency = None, None
            report.warn(rownum, header, "bad_capital", _bad_capital(exc, get(target)))
        rec[amount_col], rec[currency_col] = amount, currency

    try:
        rec["founded"] = _founded(parse_date(get("founded")))
    except ValueError as exc:
        rec["founded"] = None
        report.warn(rownum, by_target.get("founded"), "bad_date", _bad_date(exc, get("founded")))
    for col, kind in (("employees", int), ("revenue", float), ("revenue_year", int)):
        try:
            rec[col] = revenue_yi(get(col)) if col == "revenue" else to_number(get(col), kind)
        except ValueError as exc:
            rec[col] = None
            report.warn(rownum, by_target.get(col), "bad_number", _bad_number(get(col), exc))

    if rec["employees"] is not None and rec["employees"] < 0:
        report.warn(
            rownum, by_target.get("employees"), "bad_number", _negative_employees(rec["employees"])
        )
        rec["employees"] = None
    segments, problems = _segment_cell(get("segments"))
    for code, message in problems:
        report.warn(rownum, by_target.get("segments"), code, message)
    rec["segments"] = segments
    rec["segments_source"] = "tagged" if segments else None
    flags = split_list(get("flags"))
    for target in by_target:
        if target.startswith("flag:") and _flag_on(values.text(get(target))):
            flag = target.removeprefix("flag:")
            if flag not in flags:
                flags.append(flag)
    rec["flags"] = flags
    rec["enterprise_id"] = enterprise_id(uscc, name, rec["region_code"])
    return rec


# The report's messages, one definition for both import paths.


def _invalid_uscc(code: str) -> str:
    return f"统一社会信用代码校验失败 / invalid USCC (check digit or format): {code}"


def _inactive(status: str | None) -> str:
    return f"企业状态为{status}, 保留并标记 active=False / kept, marked inactive"


def _bad_capital(exc: ValueError, cell: object) -> str:
    why = str(exc) if "/" in str(exc) else f"无法解析资本 / cannot parse {cell!r}"
    return f"{why}; 已留空 / left blank"


def _bad_date(exc: ValueError, cell: object) -> str:
    why = "; 超出 1800-2100 / out of range" if "out of range" in str(exc) else ""
    return f"无法解析日期 / cannot parse {cell!r}{why}; 已留空 / left blank"


def _bad_number(cell: object, exc: ValueError | None = None) -> str:
    if exc is not None and " / " in str(exc):  # a reason of ours (foreign currency, negative)
        return str(exc)
    shown = repr(cell)
    return f"无法解析数字 / cannot parse {shown if len(shown) <= 42 else shown[:40] + '…'}"


def _negative_employees(count: int) -> str:
    return f"人数为负 / negative employee count {count}; 已留空 / left blank"


def _region_warning(code: str | None, reason: str) -> str:
    """The report code of a location that did not resolve cleanly."""
    if code is None:
        return "region_unresolved"
    if reason.startswith("旧代码 / old code"):
        return "region_old_code"
    return "region_from_address" if "address" in reason else "region_partial"


def _founded(date: dt.date | None) -> dt.date | None:
    """A founding date inside :data:`_FOUNDED_RANGE`, else ``ValueError`` (placeholders)."""
    if date is not None and not _FOUNDED_RANGE[0] <= date <= _FOUNDED_RANGE[1]:
        raise ValueError(f"founding date {date} out of range")
    return date


def _flag_on(value: str | None) -> bool:
    """Whether a filled flag cell (是, 1, a count, a date …) sets its flag; 否, 0, 无 do not."""
    return (
        value is not None
        and value.lower() not in _FALSE
        and (value.lower() in _TRUE or value not in _FALSE)
    )


def _segment_cell(cell: object) -> tuple[list[str], list[tuple[str, str]]]:
    """A ``segments`` cell as segment ids, and the ``(code, message)`` warnings it earns.

    Retired ids become their successors (``graphs/segment_aliases.csv``); case and
    width are folded where that names a known id. A tag no bundled chain knows is
    kept (it may name a segment of the user's own chain) with a warning, since rank
    and gaps will not count it for bundled chains.
    """
    tags = split_list(cell)
    problems: list[tuple[str, str]] = []
    if not tags:
        return tags, problems
    retired = segment_aliases()
    if not retired.keys().isdisjoint(tags):
        for old in [t for t in tags if t in retired]:
            problems.append(
                (
                    "retired_segment",
                    f"环节编号已停用 / segment id {old!r} is retired; read as {retired[old]!r}",
                )
            )
        tags = list(dict.fromkeys(retired.get(t, t) for t in tags))
    known = known_segment_ids()
    out: list[str] = []
    for tag in tags:
        folded = unicodedata.normalize("NFKC", tag).strip().lower()
        named = None if tag in known or folded in known else segment_names().get(folded)
        if tag not in known and folded in known:
            problems.append(("segment_case", f"环节 {tag!r} 读作 / read as {folded!r}"))
            tag = folded
        elif named is not None:  # a segment's name (聚四氟乙烯, PTFE resin): its id
            problems.append(("segment_name", f"环节名称 {tag!r} 读作 / read as {named!r}"))
            tag = named
        elif tag not in known:
            problems.append(
                (
                    "unknown_segment",
                    f"未知环节 / no bundled chain has segment {tag!r}; "
                    "rank and gaps count it only with a chain of your own that has it",
                )
            )
        if tag not in out:
            out.append(tag)
    return out, problems


@functools.cache
def segment_names() -> dict[str, str]:
    """Each bundled segment's Chinese name and lower-cased English name (NFKC) → its id,
    for names that only one id carries (none is shared today)."""
    from chainmap.model import catalog
    from chainmap.model.chain import load_chain

    ids: dict[str, set[str]] = {}
    for chain_id in catalog.bundled_chain_ids():
        for seg in load_chain(chain_id).segments_by_id.values():
            for name in (seg.name_zh, seg.name_en):
                key = unicodedata.normalize("NFKC", name or "").strip().lower()
                if key:
                    ids.setdefault(key, set()).add(seg.id)
    return {k: next(iter(v)) for k, v in ids.items() if len(v) == 1}


@functools.cache
def known_segment_ids() -> frozenset[str]:
    """Segment ids of every bundled chain, read from the Turtle text (cheap, no RDF parse)."""
    from chainmap.model import catalog

    found: set[str] = set()
    for chain_id in catalog.bundled_chain_ids():
        found.update(
            re.findall(r"\bseg:([a-z0-9][a-z0-9_]*)", catalog.read_text(f"{chain_id}.ttl"))
        )
    return frozenset(found)


def _region(rec: Mapping[str, object]) -> tuple[str | None, str]:
    from chainmap.model.regions import resolve_parts

    return resolve_parts(rec["province"], rec["city"], rec["county"], rec["address"])


#: Fields a merge never reports as differing: the id they share, the revenue pair (merged
#: as a pair: :func:`_merge_revenue`), and values derived from others (status → active).
_MERGE_QUIET = frozenset({"enterprise_id", "revenue", "revenue_year", "active"})


def _year(value: Any) -> int | None:
    """A revenue year as a number (2024, 2024.0, "2024"), or None."""
    try:
        return None if is_blank(value) else int(float(value))
    except (TypeError, ValueError):
        return None


def _merge_revenue(kept: dict, rec: Mapping[str, Any]) -> str:
    """Merge ``rec``'s revenue into ``kept`` as a pair with its year; the words the
    duplicate's message adds ("" when nothing is worth saying).

    The first row's revenue is kept unless it has none (the later pair is taken whole:
    a year is never paired with another year's figure) or the later row's year is later
    (a registry repeats a firm with each year's figure); a different figure for the same
    year (or an unknown one) is named, not taken; an earlier year's is neither.
    """
    revenue, year = rec.get("revenue"), rec.get("revenue_year")
    if is_blank(revenue):
        return ""
    if is_blank(kept.get("revenue")):
        kept["revenue"], kept["revenue_year"] = revenue, year
        return ""
    old, new = _year(kept.get("revenue_year")), _year(year)
    if new is not None and (old is None or new > old):
        kept["revenue"], kept["revenue_year"] = revenue, year
        return f"; 营收取本行较新年份 / the newer revenue ({new}) taken"
    if revenue != kept["revenue"] and (new is None or old is None or new == old):
        # (an earlier year's figure differs by nature: not worth a word)
        return "; 营收不同, 保留首行 / a different revenue, the first row's kept"
    return ""


def merge_duplicates(
    records: list[dict], report: ImportReport, by_target: Mapping[str, str]
) -> list[dict]:
    """Merge rows with the same ``enterprise_id`` into the first; report the others.

    ``records`` are rows in file order; each row merged into an earlier one is a
    ``duplicate`` rejection naming that row. Returns the first rows, merged in place.
    """
    first: dict[str, dict] = {}
    out: list[dict] = []
    for rec in records:
        eid = rec["enterprise_id"]
        kept = first.get(eid)
        if kept is None:
            first[eid] = rec
            out.append(rec)
            continue
        why = "same USCC" if not eid.startswith("h:") else "same name and region"
        more = _merge_revenue(kept, rec)  # (the revenue and its year: a pair)
        differ = []  # values this row holds that the first row's differ from (kept)
        for key, value in rec.items():
            if key in ("source_row", "revenue", "revenue_year"):
                continue
            if isinstance(value, list):
                kept[key] = kept.get(key, []) + [v for v in value if v not in kept.get(key, [])]
            elif is_blank(kept.get(key)) and not is_blank(value):
                kept[key] = value
            elif key not in _MERGE_QUIET and not is_blank(value) and kept.get(key) != value:
                differ.append(by_target.get(key, key))
        if differ:
            more += (
                f"; 与首行不同, 保留首行 / differs, row {kept['source_row']} kept: "
                + ", ".join(differ)
            )
        report.reject(
            rec["source_row"],
            by_target["uscc"] if not eid.startswith("h:") else by_target["name"],
            "duplicate",
            f"merged into row {kept['source_row']} ({why}){more}",
        )
        if kept["segments"] and not kept.get("segments_source"):
            kept["segments_source"] = "tagged"
    return out
