"""Write ``registry_export_fixture_synthetic.xlsx``: a SYNTHETIC registry-style export.

Every firm, person and code in it is invented for the notebook
``02_bring_your_own_data``; names carry 「(示例)」 so no row can pass for a real
firm. The sheet imitates an enterprise-registry export: a title row and a blank
row above the header, Chinese headers, 注册资本 as text with units, mixed date
styles, 是/否 flags. USCCs are generated in the real format with python-stdnum's
check-digit function; some rows carry the problems real exports have (an invalid
check digit, a missing name, a firm listed twice, a deregistered firm, a county
left blank) so the ImportReport has something to say.

Run ``python notebooks/data/make_registry_fixture.py`` to regenerate; the output
is byte-identical for the same openpyxl version (fixed seed, pinned properties).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
import random
import zipfile

from openpyxl import Workbook
from stdnum.cn import uscc

HERE = Path(__file__).resolve().parent
OUT = HERE / "registry_export_fixture_synthetic.xlsx"
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_FIXED = dt.datetime(2024, 1, 1)

HEADER = [
    "企业名称",
    "统一社会信用代码",
    "法定代表人",
    "登记状态",
    "成立日期",
    "注册资本",
    "所属省份",
    "所属城市",
    "所属区县",
    "企业地址",
    "经营范围",
    "国标行业大类",
    "参保人数",
    "高新技术企业",
    "专精特新",
]

# name, adcode (for the USCC), legal rep, status, founded, capital, province, city,
# county, scope, industry, insured staff, 高新, 专精特新
FIRMS = [
    ("武义示例萤石矿业有限公司(示例)", "330723", "周示例", "存续", "2006-04-18", "3000万元人民币",
     "浙江省", "金华市", "武义县", "萤石开采；萤石浮选精矿加工、销售。", "非金属矿采选业", 86, "否", "否"),
    ("武义示例氟化工有限公司(示例)", "330723", "吴示例", "在业", "2011/9/2", "1.5亿元",
     "浙江省", "金华市", "武义县", "无水氟化氢、氢氟酸（有水）生产；化工产品销售（不含许可类化工产品）。",
     "化学原料和化学制品制造业", 210, "是", "否"),
    ("永康示例制冷设备有限公司(示例)", "330784", "郑示例", "存续", "2015-03-30", "800万元人民币",
     "浙江省", "金华市", "永康市", "制冷设备、家用空调配件的研发、制造、销售。", "通用设备制造业", 64, "否", "否"),
    ("衢州示例氟材料有限公司(示例)", "330802", "王示例", "存续", "2009-12-01", "20000万元人民币",
     "浙江省", "衢州市", "柯城区", "聚偏氟乙烯（PVDF）树脂、偏氟乙烯单体的生产、销售；货物进出口。",
     "化学原料和化学制品制造业", 530, "是", "是"),
    ("衢州示例新材料股份有限公司(示例)", "330803", "陈示例", "存续", "2004-07-21", "5亿元人民币",
     "浙江省", "衢州市", "衢江区", "聚四氟乙烯分散树脂、四氟乙烯单体、六氟丙烯的生产与销售。",
     "化学原料和化学制品制造业", 1120, "是", "否"),
    ("衢州示例电子化学品有限公司(示例)", "330802", "林示例", "存续", "2017-05-09", "6000万元人民币",
     "浙江省", "衢州市", "柯城区", "电子级氢氟酸、湿电子化学品的研发、生产。", "化学原料和化学制品制造业",
     140, "是", "是"),
    ("兰溪示例制冷剂有限公司(示例)", "330781", "何示例", "存续", "2013-08-16", "12000万元人民币",
     "浙江省", "金华市", "兰溪市", "四代制冷剂HFO-1234yf、三代制冷剂HFC-32生产。", "化学原料和化学制品制造业",
     260, "是", "否"),
    ("上虞示例精细化工有限公司(示例)", "330604", "孙示例", "存续", "2002-10-10", "8000万元人民币",
     "浙江省", "绍兴市", "上虞区", "含氟医药中间体、含氟农药中间体的研发、生产（凭许可证经营）。",
     "化学原料和化学制品制造业", 330, "是", "是"),
    ("常熟示例氟化学有限公司(示例)", "320581", "朱示例", "存续", "2008-02-26", "3000万美元",
     "江苏省", "苏州市", "常熟市", "氟橡胶生胶、氟橡胶混炼胶生产、销售。", "橡胶和塑料制品业", 410, "是", "否"),
    ("张家港示例新能源材料有限公司(示例)", "320582", "徐示例", "存续", "2016-11-11", "30000万元人民币",
     "江苏省", "苏州市", "张家港市", "六氟磷酸锂、锂离子电池电解液生产；电解液添加剂（氟代碳酸乙烯酯）销售。",
     "化学原料和化学制品制造业", 620, "是", "是"),
    ("桓台示例化工有限公司(示例)", "370321", "马示例", "存续", "1999-06-01", "2亿元",
     "山东省", "淄博市", "桓台县", "三氯甲烷、二氯甲烷生产；二氟一氯甲烷（HCFC-22，原料用途）生产。",
     "化学原料和化学制品制造业", 980, "否", "否"),
    ("东营示例膜材料有限公司(示例)", "370502", "高示例", "存续", "2012-04-12", "10000万元人民币",
     "山东省", "东营市", "东营区", "全氟磺酸树脂、氯碱离子膜、质子交换膜的研发与制造。", "橡胶和塑料制品业",
     300, "是", "是"),
    ("三明示例氟化工有限公司(示例)", "350404", "黄示例", "存续", "2007-09-19", "15000万元人民币",
     "福建省", "三明市", "三元区", "无水氢氟酸、氟化铝生产、销售。", "化学原料和化学制品制造业", 450, "否", "否"),
    ("邵武示例电子气体有限公司(示例)", "350781", "罗示例", "存续", "2018-03-08", "5000万元人民币",
     "福建省", "南平市", "邵武市", "含氟电子特气（三氟化氮、六氟化钨）的生产、充装。", "化学原料和化学制品制造业",
     150, "是", "是"),
    ("金山示例涂料有限公司(示例)", "310116", "梁示例", "存续", "2010-01-15", "2000万元人民币",
     "上海市", "上海市", "金山区", "氟碳涂料、PVDF涂料的生产（不含危险化学品）。", "化学原料和化学制品制造业",
     95, "否", "否"),
    ("深圳示例电子材料有限公司(示例)", "440305", "宋示例", "存续", "2019-07-01", "1000万元人民币",
     "广东省", "深圳市", "南山区", "电子氟化液、浸没式冷却液的研发与销售；数据中心液冷技术服务。",
     "科技推广和应用服务业", 48, "是", "否"),
    ("赣州示例锂盐有限公司(示例)", "360702", "谢示例", "存续", "2020-12-20", "6000万元人民币",
     "江西省", "赣州市", "章贡区", "双氟磺酰亚胺锂（LiFSI）新型锂盐生产。", "化学原料和化学制品制造业",
     120, "是", "否"),
    ("包头示例氟化盐有限公司(示例)", "150203", "韩示例", "存续", "2005-05-05", "9000万元人民币",
     "内蒙古自治区", "包头市", "昆都仑区", "冰晶石、氟化铝等铝用氟化盐生产。", "化学原料和化学制品制造业",
     270, "否", "否"),
    ("湖州示例氟塑料有限公司(示例)", "330502", "沈示例", "存续", "2014-10-28", "4000万元人民币",
     "浙江省", "湖州市", "吴兴区", "FEP、PFA可熔氟树脂生产、销售。", "橡胶和塑料制品业", 130, "是", "否"),
    ("兰溪示例贸易有限公司(示例)", "330781", "钱示例", "存续", "2021-02-02", "100万元人民币",
     "浙江省", "金华市", "兰溪市", "五金产品、日用百货销售。", "批发业", 3, "否", "否"),
    ("武义示例氟塑料制品厂(示例)", "330723", "冯示例", "注销", "2003年5月6日", "50万元",
     "浙江省", "金华市", "武义县", "聚四氟乙烯制品加工。", "橡胶和塑料制品业", 0, "否", "否"),
    ("金华示例氟材料科技有限公司(示例)", "330700", "杨示例", "存续", "20220315", "500万元人民币",
     "浙江省", "金华市", "", "含氟精细化学品、七氟丙烷的研发、销售。", "科技推广和应用服务业", 12, "否", "否"),
]


def make_uscc(adcode: str, rng: random.Random) -> str:
    body = "91" + adcode + "MA" + "".join(rng.choice(_ALPHABET) for _ in range(7))
    return body + uscc.calc_check_digit(body + "0")


def rows() -> list[list[object]]:
    rng = random.Random(20241126)
    out = []
    for name, code, rep, status, founded, capital, prov, city, county, scope, ind, staff, hi, zj in FIRMS:
        address = f"{prov}{city if city != prov else ''}{county}示例路{len(out) + 1}号"
        out.append([name, make_uscc(code, rng), rep, status, founded, capital, prov, city, county,
                    address, scope, ind, staff, hi, zj])
    # problems real exports have
    broken = out[5][1]
    out[5][1] = broken[:-1] + next(c for c in _ALPHABET if c != broken[-1])  # bad check digit
    duplicate = list(out[3])  # the same firm exported twice (same USCC)
    duplicate[2], duplicate[12] = "", None
    out.insert(6, duplicate)
    out.insert(12, ["", "", "", "存续", "", "", "浙江省", "金华市", "武义县", "", "", "", None, "", ""])
    return out


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "企业列表"
    ws.append(["企业数据导出（示例夹具，虚构企业 / SYNTHETIC FIXTURE）检索条件：行业=氟化工"])
    ws.append([])
    ws.append(HEADER)
    for row in rows():
        ws.append(row)
    wb.properties.creator = "chainmap"
    wb.properties.created = wb.properties.modified = _FIXED
    wb.save(OUT)
    _pin_zip_times(OUT)


def _pin_zip_times(path: Path) -> None:
    """Rewrite the archive with fixed member times so regeneration is byte-identical."""
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in members:
            info.date_time = _FIXED.timetuple()[:6]
            dst.writestr(info, data)


if __name__ == "__main__":
    main()
