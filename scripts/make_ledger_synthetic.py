"""Build the SYNTHETIC office workbooks ``graphs/ledger_synthetic.xlsx`` (as of 2024-06-28)
and ``graphs/ledger_synthetic_prev.xlsx`` (the week before, as of 2024-06-21).

Every project, unit, visit, fund, plan and diligence result here is invented, for tests
and documentation only; the workbooks say so in their title rows. The 13 projects of
``graphs/ledger_synthetic.csv`` are taken as they are, with the office's columns added,
plus a few early leads. Run from the repository root::

    python scripts/make_ledger_synthetic.py
"""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRAPHS = ROOT / "graphs"
TITLE = "某县招商项目台账 (合成数据 SYNTHETIC: 全部为虚构, 仅供测试与文档)"

OFFICE_HEADERS = [
    "责任单位", "跟进人", "来源渠道", "基金", "基金金额(亿元)", "下一步", "截止日期", "存在问题",
    "信息日期", "意向日期", "放弃日期", "放弃原因",
]  # fmt: skip

# project → (owner, contact, channel, fund, fund amount, next action, due, problem, info, intent)
OFFICE = {
    "SX-001": ("platform_a", "张一", "以商引商", "", "", "跟踪入统数据", "2024-07-15", "", "", ""),
    "SX-002": ("platform_a", "张一", "商会", "", "", "协调开工审批", "2024-06-20", "", "", ""),
    "SX-003": ("platform_b", "李二", "驻点", "", "", "", "", "", "", ""),
    "SX-004": ("group_f", "王三", "基金", "示例新能源母基金", 1.2, "落地签约后启动供地", "2024-06-30", "", "", ""),
    "SX-005": ("group_f", "王三", "基金", "示例氟材料产业基金", 0.5, "完成企业诉求会商", "2024-06-25", "", "", ""),
    "SX-006": ("platform_b", "李二", "协会", "", "", "", "", "", "", ""),
    "SX-007": ("platform_a", "张一", "以商引商", "", "", "", "", "", "", ""),
    "SX-008": ("platform_b", "李二", "其他", "", "", "", "", "", "", ""),
    "SX-009": ("platform_a", "张一", "驻点", "", "", "", "", "", "", ""),
    "SX-010": ("office_sh", "赵四", "乡贤", "示例氟材料产业基金", 0.8, "约谈企业确定落地时间", "2024-05-31", "企业融资未到位", "", ""),
    "SX-011": ("office_sz", "钱五", "活动", "", "", "报送用地需求", "2024-07-10", "", "2024-03-20", ""),
    "SX-012": ("office_sh", "赵四", "乡贤", "", "", "安排实地考察", "2024-07-05", "", "2024-04-15", "2024-06-24"),
    "SX-013": ("platform_b", "李二", "中介", "", "", "督促开工", "2024-06-15", "环评批复未取得", "", ""),
}  # fmt: skip
# Early leads: no 盯引 yet, or just dropped.
LEADS = [
    # id, project, enterprise, chain, segment, sector, origin, investment, owner, contact,
    # channel, next action, due, problem, info, intent, dropped, reason
    ("SX-014", "示例项目N(氟化工新材料)", "示例企业子", "氟化工", "聚四氟乙烯", "制造业", "招引", "约6",
     "office_sh", "赵四", "乡贤", "再次拜访", "2024-07-20", "", "2024-05-10", "", "", ""),
    ("SX-015", "示例项目O(含氟电子化学品)", "示例企业丑", "fluorochem", "electronic_hf", "制造业", "招引", "6-8",
     "office_sz", "钱五", "商会", "提供项目书", "2024-06-26", "", "2024-06-03", "", "", ""),
    ("SX-016", "示例项目P(氟碳涂料)", "示例企业寅", "fluorochem", "fluoro_coatings", "制造业", "招引", "3",
     "office_sz", "钱五", "活动", "", "", "", "2024-02-10", "", "2024-05-30", "企业转投他地"),
    ("SX-017", "示例项目Q(六氟磷酸锂二期)", "示例企业卯", "fluorochem", "lipf6", "制造业", "招引", "5左右",
     "group_f", "王三", "基金", "尽调", "2024-07-12", "", "2024-06-10", "2024-06-20", "", ""),
]  # fmt: skip
# Added in the week to 2024-06-28 (the current snapshot only).
NEW_THIS_WEEK = (
    "SX-018", "示例项目R(氟橡胶制品)", "示例企业辰", "fluorochem", "fkm", "制造业", "招引", "4",
    "office_sh", "赵四", "乡贤", "首次洽谈", "2024-07-08", "", "2024-06-25", "", "", "",
)  # fmt: skip

UNITS_VISITS = [
    # date, unit, person, organisation, channel, outcome, project
    ("2024-02-12", "office_sh", "乡贤甲", "示例企业癸", "乡贤", "会面", ""),
    ("2024-02-13", "office_sh", "乡贤乙", "示例商贸公司", "乡贤", "无项目", ""),
    ("2024-02-14", "office_sh", "乡贤丙", "示例企业子", "乡贤", "项目信息", "SX-014"),
    ("2024-02-15", "office_sh", "乡贤丁", "示例企业乙", "乡贤", "项目信息", "SX-012"),
    ("2024-02-16", "office_sh", "乡贤戊", "示例投资公司", "乡贤", "会面", ""),
    ("2024-02-18", "office_sz", "乡贤己", "示例科技公司", "乡贤", "无项目", ""),
    ("2024-03-05", "office_sz", "客商甲", "示例企业甲", "活动", "项目信息", "SX-011"),
    ("2024-03-06", "office_sz", "客商乙", "示例企业寅", "活动", "项目信息", "SX-016"),
    ("2024-03-07", "office_sz", "客商丙", "示例材料公司", "活动", "会面", ""),
    ("2024-04-20", "office_sz", "秘书长", "示例商会", "商会", "会面", ""),
    ("2024-05-28", "office_sz", "会员企业", "示例企业丑", "商会", "项目信息", "SX-015"),
    ("2024-05-05", "group_f", "投资总监", "示例资本管理有限公司", "基金", "会面", ""),
    ("2024-06-05", "group_f", "投资经理", "示例投资有限公司", "基金", "项目信息", "SX-017"),
    ("2024-06-12", "group_f", "投资经理", "示例资本管理有限公司", "基金", "会面", ""),
]
FUNDS = [
    ("示例氟材料产业基金", "示例资本管理有限公司", 10, "返投不低于1.5倍"),
    ("示例新能源母基金", "示例投资有限公司", 20, "返投不低于1倍"),
]
TRANSFERS = [("SX-006", "2024-03-20", "platform_a", "platform_b", "物流用地调整至乙平台")]
# Moved during the week to 2024-06-28 (the current snapshot only): the owner changes too.
TRANSFER_THIS_WEEK = ("SX-011", "2024-06-26", "office_sz", "platform_b", "研发中心转平台乙承接")
PLAN = (
    [("SX-001", f"2024-{m:02d}", 1.5) for m in range(3, 7)]
    + [("SX-003", f"2024-{m:02d}", 1.0) for m in range(4, 7)]
    + [("SX-007", f"2024-{m:02d}", 0.8) for m in range(1, 7)]
)
_ITEMS = (
    "registry_status",
    "paid_in_capital",
    "land",
    "energy",
    "environment",
    "policy_gate",
    "demands",
)
DILIGENCE = (
    [("SX-004", i, "待查" if i == "energy" else "通过", "", "2024-04-01", "王三") for i in _ITEMS]
    + [("SX-005", i, "未通过" if i == "demands" else "通过", "诉求超出政策" if i == "demands" else "", "2024-05-10", "王三") for i in _ITEMS]
    + [("SX-012", "registry_status", "通过", "", "2024-06-01", "赵四"),
       ("SX-012", "paid_in_capital", "待查", "实缴资本待核", "2024-06-01", "赵四")]
)  # fmt: skip


def _ledger_rows(current: bool) -> tuple[list[str], list[list]]:
    with (GRAPHS / "ledger_synthetic.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0] + OFFICE_HEADERS
    body = []
    for row in rows[1:]:
        owner, contact, channel, fund, amount, action, due, problem, info, intent = OFFICE[row[0]]
        if not current and row[0] == "SX-012":
            intent = ""  # moved to 意向 during the week
        if not current and row[0] == "SX-010":
            problem = ""  # raised during the week
        if current and row[0] == "SX-011":
            owner = TRANSFER_THIS_WEEK[3]
        body.append(
            [
                *row,
                owner,
                contact,
                channel,
                fund,
                amount,
                action,
                due,
                problem,
                info,
                intent,
                "",
                "",
            ]
        )
    leads = [*LEADS, NEW_THIS_WEEK] if current else LEADS
    for lead in leads:
        (pid, project, firm, chain, segment, sector, origin, inv, owner, contact, channel,
         action, due, problem, info, intent, dropped, reason) = lead  # fmt: skip
        body.append(
            [pid, project, firm, "", chain, segment, "", sector, origin, inv, "", "", "", "", "", "",
             owner, contact, channel, "", "", action, due, problem, info, intent, dropped, reason]
        )  # fmt: skip
    return header, body


def _sheet(book, name: str, header: list[str], rows, *, title: str | None = None) -> None:
    sheet = book.create_sheet(name)
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))


def build(path: Path, *, current: bool) -> Path:
    from openpyxl import Workbook

    from chainmap.outputs.kpi_report import save_atomic

    book = Workbook()
    book.remove(book.active)
    header, body = _ledger_rows(current)
    _sheet(book, "项目台账", header, body, title=TITLE)
    with (GRAPHS / "ledger_synthetic_investment.csv").open(encoding="utf-8") as f:
        inv = list(csv.reader(f))
    _sheet(book, "实物量投资", inv[0], [[p, m, float(a)] for p, m, a in inv[1:]])
    _sheet(book, "实物量计划", ["项目编号", "月份", "计划金额"], PLAN)
    _sheet(
        book,
        "走访",
        ["日期", "单位", "走访对象", "企业/机构", "来源渠道", "结果", "项目编号"],
        UNITS_VISITS,
    )
    _sheet(book, "基金", ["基金", "管理人", "规模", "返投要求"], FUNDS)
    moves = [*TRANSFERS, TRANSFER_THIS_WEEK] if current else TRANSFERS
    _sheet(book, "流转", ["项目编号", "日期", "转出单位", "转入单位", "说明"], moves)
    _sheet(book, "尽调", ["项目编号", "事项", "结果", "说明", "日期", "经办人"], DILIGENCE)
    props = book.properties
    props.creator = props.lastModifiedBy = "chainmap"
    props.title = TITLE
    return save_atomic(book.save, path)


if __name__ == "__main__":
    print(build(GRAPHS / "ledger_synthetic.xlsx", current=True))
    print(build(GRAPHS / "ledger_synthetic_prev.xlsx", current=False))
