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
  kept as an extra column;
- ``enterprise_id`` is the USCC when its check digit is valid, else
  ``h:`` + 16 hex digits of SHA-256 over the normalised name and region code;
- rows without a name are rejected (``missing_name``); an invalid USCC is a
  warning (``invalid_uscc``), or a rejection when ``strict``;
- rows sharing an ``enterprise_id`` are merged into the first (lowest row):
  its empty fields are filled from the later rows in order, lists are united,
  and each later row is rejected with "merged into row N" (``duplicate``);
- registered capital is kept in 万 of its own currency (ISO 4217 code); no
  currency is ever converted;
- ``active`` is False for 注销, 吊销, 撤销, 责令关闭, 歇业, 停业, 清算 and their
  English equivalents; a blank status counts as active;
- a blank ``country`` is 中国 (registry exports list Chinese firms); foreign
  firms get no ``region_code`` and no region warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import datetime as dt
import functools
import hashlib
import math
from pathlib import Path
import re
import tomllib
import unicodedata

import pandas as pd

from chainmap.errors import InputError
from chainmap.model import values
from chainmap.model.chain import segment_aliases
from chainmap.model.report import ImportReport
from chainmap.model.values import DASHES, is_blank, parse_date, split_list, to_number
from chainmap.model.vocab import is_chinese

__all__ = [
    "ENTERPRISE_COLUMNS",
    "EXTRA_COLUMNS",
    "HEADER_ALIASES",
    "enterprise_id",
    "is_active",
    "known_segment_ids",
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
    if uscc and _valid_uscc(uscc):
        return uscc
    key = f"{_normalised_name(name)}|{region_code or ''}".encode()
    return "h:" + hashlib.sha256(key).hexdigest()[:16]


def _valid_uscc(code: str) -> bool:
    from stdnum.cn import uscc

    return bool(uscc.is_valid(code))


def _clean_uscc(value: object) -> str | None:
    raw = values.text(value)
    if raw is None:
        return None
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw)).upper()


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
    return {str(k): str(v) for k, v in columns.items()}


def _column_plan(headers: Sequence[str], mapping: Mapping[str, str], source: str) -> dict[str, str]:
    """input header -> target column, first header winning per target."""
    for target in mapping.values():
        if target not in _TARGETS or target in _DERIVED:
            raise InputError(
                f"映射目标未知 / unknown mapping target {target!r}",
                file=source,
                hint="targets are the canonical enterprise columns, e.g. name, uscc, address",
            )
    user = {_header_key(k): v for k, v in mapping.items()}
    builtin = {
        _header_key(a): target for target, aliases in HEADER_ALIASES.items() for a in aliases
    }
    plan: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = _header_key(header)
        target = user.get(key) or builtin.get(key)
        if target and target not in taken:
            plan[header] = target
            taken.add(target)
    return plan


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
    frame = read_table(path, sheet=sheet)
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
) -> tuple[pd.DataFrame, ImportReport]:
    """Normalise an in-memory enterprise table; see :func:`read_enterprises`.

    ``row_numbers`` are the rows as the user sees them (default: header is row 1,
    so data starts at row 2, or ``frame.attrs["first_row"]``).

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
    # plain tuples: row access through pandas costs more than all the parsing
    rows = list(frame.itertuples(index=False, name=None))
    keep_rows = [i for i, row in enumerate(rows) if not all(is_blank(v) for v in row)]
    if len(keep_rows) < len(rows):
        report.notes.append(f"  跳过空行 / blank rows skipped: {len(rows) - len(keep_rows)}")
    report.read = len(keep_rows)

    by_target = {target: header for header, target in plan.items()}
    position = {target: headers.index(header) for target, header in by_target.items()}
    extras = [(h, i) for i, h in enumerate(headers) if h not in plan and h not in _TARGETS]
    records: list[dict] = []
    overlong = frame.attrs.get("overlong_rows") or {}
    report.notes.extend(frame.attrs.get("notes") or [])
    for i in keep_rows:
        row = rows[i]
        if row_numbers[i] in overlong:
            report.reject(
                row_numbers[i],
                None,
                "too_many_fields",
                f"本行有 {overlong[row_numbers[i]]} 个字段, 表头只有 {len(headers)} 个 / the row has "
                f"{overlong[row_numbers[i]]} fields, the header {len(headers)}; "
                "quote cells that hold commas",
            )
            continue
        rec = _normalise_row(row, row_numbers[i], position, by_target, report, strict)
        if rec is None:
            continue
        for h, j in extras:
            rec[h] = None if is_blank(row[j]) else row[j]
        records.append(rec)

    records = _merge_duplicates(records, report, by_target)
    report.check()
    columns = [*ENTERPRISE_COLUMNS, *EXTRA_COLUMNS, *[h for h, _ in extras]]
    # object columns throughout: ints stay ints, dates stay dates, blanks stay None
    out = pd.DataFrame(
        {c: pd.Series([r.get(c) for r in records], dtype=object) for c in columns},
        columns=columns,
    )
    for col in ("segments", "flags"):
        out[col] = out[col].map(lambda v: list(v) if isinstance(v, list) else [])
    out["active"] = out["active"].astype(bool)
    return out.reset_index(drop=True), report


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

    uscc = _clean_uscc(get("uscc"))
    rec["uscc"] = uscc
    if uscc and not _valid_uscc(uscc):
        msg = f"统一社会信用代码校验失败 / invalid USCC (check digit or format): {uscc}"
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
            f"企业状态为{rec['status']}, 保留并标记 active=False / kept, marked inactive",
        )

    country = values.text(get("country"))
    rec["country"] = country or "中国"
    if is_chinese(rec["country"]):
        code, reason = _region(rec)
        rec["region_code"] = code
        if reason:
            where = by_target.get("county") or by_target.get("city") or by_target.get("province")
            where = where or by_target.get("address")
            if code is None:
                kind = "region_unresolved"
            elif "address" in reason:
                kind = "region_from_address"
            else:
                kind = "region_partial"
            report.warn(rownum, where, kind, reason)
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
            why = str(exc) if "/" in str(exc) else f"无法解析资本 / cannot parse {get(target)!r}"
            report.warn(rownum, header, "bad_capital", f"{why}; 已留空 / left blank")
        rec[amount_col], rec[currency_col] = amount, currency

    try:
        rec["founded"] = _founded(parse_date(get("founded")))
    except ValueError as exc:
        rec["founded"] = None
        why = "; 超出 1800-2100 / out of range" if "out of range" in str(exc) else ""
        report.warn(
            rownum,
            by_target.get("founded"),
            "bad_date",
            f"无法解析日期 / cannot parse {get('founded')!r}{why}; 已留空 / left blank",
        )
    for col, kind in (("employees", int), ("revenue", float), ("revenue_year", int)):
        try:
            rec[col] = to_number(get(col), kind)
        except ValueError:
            rec[col] = None
            report.warn(
                rownum,
                by_target.get(col),
                "bad_number",
                f"无法解析数字 / cannot parse {get(col)!r}",
            )

    if rec["employees"] is not None and rec["employees"] < 0:
        report.warn(
            rownum,
            by_target.get("employees"),
            "bad_number",
            f"人数为负 / negative employee count {rec['employees']}; 已留空 / left blank",
        )
        rec["employees"] = None
    segments = split_list(get("segments"))
    retired = segment_aliases()
    if segments and not retired.keys().isdisjoint(segments):  # retired ids map to successors
        for old in [s for s in segments if s in retired]:
            report.warn(
                rownum,
                by_target.get("segments"),
                "retired_segment",
                f"环节编号已停用 / segment id {old!r} is retired; read as {retired[old]!r}",
            )
        segments = list(dict.fromkeys(retired.get(s, s) for s in segments))
    segments = _segment_tags(segments, rownum, by_target.get("segments"), report)
    rec["segments"] = segments
    rec["segments_source"] = "tagged" if segments else None
    flags = split_list(get("flags"))
    for target in by_target:
        if target.startswith("flag:"):
            value = values.text(get(target))
            if (
                value is not None
                and value.lower() not in _FALSE
                and (value.lower() in _TRUE or value not in _FALSE)
            ):
                flag = target.removeprefix("flag:")
                if flag not in flags:
                    flags.append(flag)
    rec["flags"] = flags
    rec["enterprise_id"] = enterprise_id(uscc, name, rec["region_code"])
    return rec


def _founded(date: dt.date | None) -> dt.date | None:
    """A founding date inside :data:`_FOUNDED_RANGE`, else ``ValueError`` (placeholders)."""
    if date is not None and not _FOUNDED_RANGE[0] <= date <= _FOUNDED_RANGE[1]:
        raise ValueError(f"founding date {date} out of range")
    return date


def _segment_tags(
    tags: list[str], rownum: int, column: str | None, report: ImportReport
) -> list[str]:
    """Tags as segment ids: case and width folded where that names a known id, else warned.

    A tag no bundled chain knows is kept (it may name a segment of the user's own
    chain) with a warning, since rank and gaps will not count it for bundled chains.
    """
    if not tags:
        return tags
    known = known_segment_ids()
    out = []
    for tag in tags:
        folded = unicodedata.normalize("NFKC", tag).strip().lower()
        if tag not in known and folded in known:
            report.warn(rownum, column, "segment_case", f"环节 {tag!r} 读作 / read as {folded!r}")
            tag = folded
        elif tag not in known:
            report.warn(
                rownum,
                column,
                "unknown_segment",
                f"未知环节 / no bundled chain has segment {tag!r}; rank and gaps will not count it",
            )
        if tag not in out:
            out.append(tag)
    return out


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


def _merge_duplicates(
    records: list[dict], report: ImportReport, by_target: Mapping[str, str]
) -> list[dict]:
    """Merge rows with the same ``enterprise_id`` into the first; report the others."""
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
        report.reject(
            rec["source_row"],
            by_target["uscc"] if not eid.startswith("h:") else by_target["name"],
            "duplicate",
            f"merged into row {kept['source_row']} ({why})",
        )
        for key, value in rec.items():
            if key == "source_row":
                continue
            if isinstance(value, list):
                kept[key] = kept.get(key, []) + [v for v in value if v not in kept.get(key, [])]
            elif is_blank(kept.get(key)) and not is_blank(value):
                kept[key] = value
        if kept["segments"] and not kept.get("segments_source"):
            kept["segments_source"] = "tagged"
    return out
