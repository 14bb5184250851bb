"""A deterministic, realistic data set of the four provinces' records, for the demo and benchmarks.

`generate` draws institutions (inspection and testing bodies), manufacturing
enterprises and the records the provinces publish about them: CMA
qualifications, assessors, green-product certifications and credit events.
Everything comes from one `random.Random(seed)`, so a seed (and a `today`)
always gives the same data set.

The data looks like what the provinces hold: valid unified social credit codes
with their regions, CMA numbers built digit by digit (issue year, issuer, field,
department, serial), real standard codes in capability scopes, a few expired
or suspended certificates, and some cross-province situations (an enterprise
certified in two provinces, an institution qualified in two provinces, a
certificate published by a province other than its issuer). About
`invalid_ratio` of the records are broken on purpose, in varied ways, and their
positions are returned so a caller can check that the hub refuses exactly them.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from stdnum.cn import uscc as _uscc

from services.core.provinces import NATIONAL_CMA_ISSUER, Province
from yrdhub.v1 import common_pb2, records_pb2

__all__ = ["DataSet", "generate", "make_uscc", "org_code_check_char"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class DataSet:
    """Records per publishing province, and which positions are invalid on purpose."""

    by_province: dict[Province, list[records_pb2.Record]]
    invalid_indexes: dict[Province, set[int]] = field(default_factory=dict)

    def total(self) -> int:
        return sum(len(records) for records in self.by_province.values())


# --- identifiers ------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""Characters allowed in a USCC (GB 32100: no I, O, S, V, Z)."""

_ORG_CODE_VALUES = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
"""GB 11714 character values: digits as themselves, A-Z as 10-35."""


def org_code_check_char(body: str) -> str:
    """The check character of a GB 11714 organization code, given its first 8 characters.

    Weights 3, 7, 9, 10, 5, 8, 4, 2; check = 11 - sum % 11, where 10 is "X" and 11 is "0".
    """
    if len(body) != 8:
        raise ValueError("an organization code body is 8 characters")
    try:
        v = [_ORG_CODE_VALUES[c] for c in body]
    except KeyError:
        raise ValueError(f"not an organization code body: {body!r}") from None
    total = 3 * v[0] + 7 * v[1] + 9 * v[2] + 10 * v[3] + 5 * v[4] + 8 * v[5] + 4 * v[6] + 2 * v[7]
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def make_uscc(rng: random.Random, region_code: str, *, prefix: str = "91") -> str:
    """A valid 18-character unified social credit code for an entity of `region_code`.

    `prefix` is the registration authority and organization type: "91" an
    enterprise registered by market regulation, "12" a public institution
    (事业单位) registered by the establishment authority. Characters 9-17 are a
    GB 11714 organization code with its own check character; the last is the
    GB 32100 check character.
    """
    if len(prefix) != 2 or len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("prefix is 2 characters and region_code 6 digits")
    rand = rng.random
    if rand() < 0.55:
        # Codes assigned since the 2015 reform: "MA", six characters, the check character.
        a = _USCC_ALPHABET
        body = "MA" + "".join([a[int(rand() * 31)] for _ in range(6)])
    else:
        body = f"{int(rand() * 100_000_000):08d}"
    org_code = body + org_code_check_char(body)
    head = prefix + region_code + org_code
    return head + str(_uscc.calc_check_digit(head))


# --- geography --------------------------------------------------------------

# (region code, city, district or county), GB/T 2260.
_REGIONS: dict[Province, tuple[tuple[str, str, str], ...]] = {
    Province.SH: (
        ("310101", "上海市", "黄浦区"),
        ("310104", "上海市", "徐汇区"),
        ("310105", "上海市", "长宁区"),
        ("310106", "上海市", "静安区"),
        ("310107", "上海市", "普陀区"),
        ("310109", "上海市", "虹口区"),
        ("310110", "上海市", "杨浦区"),
        ("310112", "上海市", "闵行区"),
        ("310113", "上海市", "宝山区"),
        ("310114", "上海市", "嘉定区"),
        ("310115", "上海市", "浦东新区"),
        ("310115", "上海市", "浦东新区"),
        ("310116", "上海市", "金山区"),
        ("310117", "上海市", "松江区"),
        ("310118", "上海市", "青浦区"),
        ("310120", "上海市", "奉贤区"),
        ("310151", "上海市", "崇明区"),
    ),
    Province.JS: (
        ("320102", "南京市", "玄武区"),
        ("320105", "南京市", "建邺区"),
        ("320106", "南京市", "鼓楼区"),
        ("320113", "南京市", "栖霞区"),
        ("320115", "南京市", "江宁区"),
        ("320205", "无锡市", "锡山区"),
        ("320211", "无锡市", "滨湖区"),
        ("320214", "无锡市", "新吴区"),
        ("320281", "无锡市", "江阴市"),
        ("320282", "无锡市", "宜兴市"),
        ("320311", "徐州市", "泉山区"),
        ("320411", "常州市", "新北区"),
        ("320412", "常州市", "武进区"),
        ("320500", "苏州市", "工业园区"),
        ("320505", "苏州市", "虎丘区"),
        ("320506", "苏州市", "吴中区"),
        ("320507", "苏州市", "相城区"),
        ("320509", "苏州市", "吴江区"),
        ("320581", "苏州市", "常熟市"),
        ("320582", "苏州市", "张家港市"),
        ("320583", "苏州市", "昆山市"),
        ("320585", "苏州市", "太仓市"),
        ("320612", "南通市", "通州区"),
        ("320613", "南通市", "崇川区"),
        ("320706", "连云港市", "海州区"),
        ("320812", "淮安市", "清江浦区"),
        ("320902", "盐城市", "亭湖区"),
        ("321002", "扬州市", "广陵区"),
        ("321181", "镇江市", "丹阳市"),
        ("321282", "泰州市", "靖江市"),
        ("321302", "宿迁市", "宿城区"),
    ),
    Province.ZJ: (
        ("330102", "杭州市", "上城区"),
        ("330105", "杭州市", "拱墅区"),
        ("330106", "杭州市", "西湖区"),
        ("330108", "杭州市", "滨江区"),
        ("330109", "杭州市", "萧山区"),
        ("330110", "杭州市", "余杭区"),
        ("330203", "宁波市", "海曙区"),
        ("330206", "宁波市", "北仑区"),
        ("330212", "宁波市", "鄞州区"),
        ("330282", "宁波市", "慈溪市"),
        ("330302", "温州市", "鹿城区"),
        ("330382", "温州市", "乐清市"),
        ("330402", "嘉兴市", "南湖区"),
        ("330481", "嘉兴市", "海宁市"),
        ("330500", "湖州市", "吴兴区"),
        ("330521", "湖州市", "德清县"),
        ("330522", "湖州市", "长兴县"),
        ("330523", "湖州市", "安吉县"),
        ("330602", "绍兴市", "越城区"),
        ("330603", "绍兴市", "柯桥区"),
        ("330702", "金华市", "婺城区"),
        ("330782", "金华市", "义乌市"),
        ("330784", "金华市", "永康市"),
        ("330802", "衢州市", "柯城区"),
        ("330902", "舟山市", "定海区"),
        ("331002", "台州市", "椒江区"),
        ("331082", "台州市", "临海市"),
        ("331102", "丽水市", "莲都区"),
    ),
    Province.AH: (
        ("340100", "合肥市", "高新区"),
        ("340102", "合肥市", "瑶海区"),
        ("340103", "合肥市", "庐阳区"),
        ("340104", "合肥市", "蜀山区"),
        ("340111", "合肥市", "包河区"),
        ("340121", "合肥市", "长丰县"),
        ("340181", "合肥市", "巢湖市"),
        ("340202", "芜湖市", "镜湖区"),
        ("340207", "芜湖市", "鸠江区"),
        ("340302", "蚌埠市", "龙子湖区"),
        ("340402", "淮南市", "大通区"),
        ("340503", "马鞍山市", "花山区"),
        ("340705", "铜陵市", "铜官区"),
        ("340802", "安庆市", "迎江区"),
        ("341002", "黄山市", "屯溪区"),
        ("341102", "滁州市", "琅琊区"),
        ("341202", "阜阳市", "颍州区"),
        ("341302", "宿州市", "埇桥区"),
        ("341502", "六安市", "金安区"),
        ("341602", "亳州市", "谯城区"),
        ("341802", "宣城市", "宣州区"),
    ),
}

_PROVINCE_PREFIX = {
    Province.SH: "上海市",
    Province.JS: "江苏省",
    Province.ZJ: "浙江省",
    Province.AH: "安徽省",
}
_CREDIT_REFERENCE_PREFIX = {
    Province.SH: "沪市监信",
    Province.JS: "苏市监信",
    Province.ZJ: "浙市监信",
    Province.AH: "皖市监信",
}
_NEIGHBOURS = {
    Province.SH: (Province.JS, Province.ZJ),
    Province.JS: (Province.SH, Province.ZJ, Province.AH),
    Province.ZJ: (Province.SH, Province.JS, Province.AH),
    Province.AH: (Province.JS, Province.ZJ),
}
_PROTO_PROVINCE = {
    Province.SH: common_pb2.PROVINCE_SH,
    Province.JS: common_pb2.PROVINCE_JS,
    Province.ZJ: common_pb2.PROVINCE_ZJ,
    Province.AH: common_pb2.PROVINCE_AH,
}

# Road names common to most cities (a road name alone does not place an address).
_ROADS = (
    "人民路", "中山路", "解放路", "建设路", "长江路", "学府路", "科技路", "创新大道",
    "高新大道", "工业园路", "振兴路", "东方路", "纬二路", "经一路", "科创路", "兴业路",
    "滨江大道", "湖滨路", "望江路", "新华路", "和平路", "青年路", "迎宾大道", "开发区大道",
    "环城东路", "环城西路", "工业大道", "富民路", "光明路", "朝阳路", "胜利路", "团结路",
    "友谊路", "幸福路", "江南大道", "创业路", "五一路", "滨河路", "园区大道", "高新三路",
    "科技二路", "通江大道", "文化路", "健康路", "北京路", "南京路", "延安路", "复兴路",
)  # fmt: skip


def _place_short(name: str) -> str:
    """苏州市 -> 苏州, 安吉县 -> 安吉, 浦东新区 -> 浦东; keeps two characters at least."""
    for suffix in ("新区", "市", "县", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


# --- vocabulary ---------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力斌宇浩凯鹏飞晨曦婷雪琳"
    "颖慧俊峰志宏海波国庆春梅兰亮成龙云鑫瑞欣怡佳乐晓东立新永健家宁振世雅倩晶博思远卫彬"
)
_BRAND_SYLLABLES = (
    "华测谱尼通达正信恒安泰瑞鼎科联博创精标品源康永德嘉睿宏天新和绿清蓝海众合力环中"
    "诚晟昊沃益铭旭启航汇金衡实鑫"
)

_FIELDS = ("00", "01", "02", "03", "04", "05", "12", "13", "20", "21")
_FIELD_WEIGHTS = (15, 15, 10, 6, 8, 12, 16, 6, 7, 5)
_DEPARTMENTS = (
    "00", "00", "00", "01", "02", "05", "05", "06", "10", "12", "15", "17", "21", "34",
)  # fmt: skip

_FIELD_NAME_WORDS: dict[str, tuple[str, ...]] = {
    "00": ("食品检测", "食品安全检测", "食品质量检验"),
    "01": ("建设工程质量检测", "建筑工程检测", "工程检测"),
    "02": ("建材检测", "建筑材料检验"),
    "03": ("卫生检测", "职业卫生检测", "公共卫生检测"),
    "04": ("农产品检测", "农业检测"),
    "05": ("机动车检测", "机动车安全技术检测", "汽车检测"),
    "12": ("环境检测", "环境监测", "环保检测"),
    "13": ("水质检测", "水务检测"),
    "20": ("检测", "检验检测", "质量检测", "产品检测"),
    "21": ("计量检测", "电器检测", "纺织品检测"),
}
_ENTERPRISE_SUFFIXES = (
    "技术有限公司", "技术有限公司", "科技有限公司", "有限公司", "技术服务有限公司",
    "股份有限公司", "认证有限公司",
)  # fmt: skip
# Public institutions; "{p}" is a city or county name such as "苏州市".
_PUBLIC_NAME_TEMPLATES: dict[str, tuple[str, ...]] = {
    "00": ("{p}食品药品检验所", "{p}食品检验检测中心"),
    "01": ("{p}建设工程质量检测中心", "{p}建筑科学研究院检测中心"),
    "02": ("{p}建筑材料检验所", "{p}建设工程材料检测中心"),
    "03": ("{p}疾病预防控制中心", "{p}职业病防治院"),
    "04": ("{p}农产品质量安全检测中心", "{p}农业科学研究院检测中心"),
    "05": ("{p}机动车安全技术检验站",),
    "12": ("{p}环境监测中心站", "{p}生态环境监测站"),
    "13": ("{p}水文水资源监测中心", "{p}供水水质监测站"),
    "20": ("{p}产品质量监督检验研究院", "{p}质量技术监督检测研究院", "{p}检验检测认证中心"),
    "21": ("{p}计量测试研究所", "{p}纤维检验所"),
}
_SIGNATORY_FIELDS: dict[str, tuple[str, ...]] = {
    "00": ("食品理化检测", "食品微生物检测", "食品中污染物检测", "农药残留检测"),
    "01": ("主体结构检测", "地基基础检测", "建筑节能检测", "室内环境检测"),
    "02": ("水泥检测", "砂石检测", "钢材检测", "防水材料检测"),
    "03": ("公共场所卫生检测", "职业卫生检测", "生活饮用水检测"),
    "04": ("农产品检测", "土壤检测", "肥料检测", "饲料检测"),
    "05": ("机动车安全技术检验", "机动车排放检验", "营运车辆综合性能检测"),
    "12": ("水和废水", "环境空气和废气", "噪声", "土壤和沉积物"),
    "13": ("生活饮用水", "地表水", "水质微生物"),
    "20": ("全部授权项目", "理化检测", "微生物检测", "建材检测"),
    "21": ("电线电缆检测", "纺织品检测", "家用电器安全检测", "塑料制品检测"),
}

# Capability scope per CMA field: (parameter, standard code, year, limits, exclusions).
_Scope = tuple[str, str, int, str, str]
_SCOPE_CATALOGUE: dict[str, tuple[_Scope, ...]] = {
    "00": (
        ("铅 (Pb)", "GB 5009.12", 2017, "第一法 石墨炉原子吸收光谱法", ""),
        ("镉 (Cd)", "GB 5009.15", 2023, "", ""),
        ("总汞及有机汞", "GB 5009.17", 2021, "只用第一篇第一法", ""),
        ("总砷及无机砷", "GB 5009.11", 2024, "", "不测无机砷"),
        ("水分", "GB 5009.3", 2016, "第一法 直接干燥法", ""),
        ("灰分", "GB 5009.4", 2016, "", ""),
        ("蛋白质", "GB 5009.5", 2016, "第一法 凯氏定氮法", ""),
        ("脂肪", "GB 5009.6", 2016, "", ""),
        ("菌落总数", "GB 4789.2", 2022, "", ""),
        ("大肠菌群", "GB 4789.3", 2016, "第二法 平板计数法", ""),
        ("沙门氏菌", "GB 4789.4", 2024, "", ""),
        ("黄曲霉毒素B族和G族", "GB 5009.22", 2016, "第三法 高效液相色谱法", ""),
        ("苯甲酸、山梨酸和糖精钠", "GB 5009.28", 2016, "第一法", ""),
        ("二氧化硫", "GB 5009.34", 2022, "", ""),
        ("酸价", "GB 5009.229", 2016, "", ""),
        ("过氧化值", "GB 5009.227", 2023, "", ""),
        ("亚硝酸盐与硝酸盐", "GB 5009.33", 2016, "第一法 离子色谱法", ""),
        ("有机磷类农药残留", "GB 23200.113", 2018, "", ""),
    ),
    "01": (
        ("混凝土强度", "GB 50204", 2015, "", ""),
        ("钢筋保护层厚度", "GB 50204", 2015, "电磁感应法", ""),
        ("混凝土抗压强度", "GB/T 50081", 2019, "", ""),
        ("回弹法检测混凝土抗压强度", "JGJ/T 23", 2011, "", ""),
        ("地基承载力", "JGJ 340", 2015, "浅层平板载荷试验", ""),
        ("基桩完整性", "JGJ 106", 2014, "低应变法", ""),
        ("外墙外保温系统", "GB 50411", 2019, "", ""),
        ("砌筑砂浆强度", "GB/T 50315", 2011, "贯入法", ""),
        ("钢结构焊缝超声检测", "GB/T 11345", 2023, "", ""),
        ("室内空气中甲醛", "GB 50325", 2020, "", ""),
    ),
    "02": (
        ("水泥胶砂强度", "GB/T 17671", 2021, "", ""),
        ("水泥凝结时间、安定性", "GB/T 1346", 2011, "", ""),
        ("水泥细度", "GB/T 1345", 2005, "负压筛析法", ""),
        ("建设用砂", "GB/T 14684", 2022, "", "不测碱骨料反应"),
        ("建设用卵石、碎石", "GB/T 14685", 2022, "", ""),
        ("钢筋拉伸性能", "GB/T 228.1", 2021, "方法B", ""),
        ("金属材料弯曲性能", "GB/T 232", 2024, "", ""),
        ("砌墙砖抗压强度", "GB/T 2542", 2012, "", ""),
        ("防水卷材拉伸性能", "GB/T 328.8", 2007, "", ""),
        ("建筑材料放射性核素", "GB 6566", 2010, "", ""),
        ("人造板甲醛释放量", "GB/T 17657", 2022, "", ""),
    ),
    "03": (
        ("公共场所空气中甲醛", "GB/T 18204.2", 2014, "", ""),
        ("公共场所新风量", "GB/T 18204.1", 2013, "", ""),
        ("菌落总数", "GB/T 5750.12", 2023, "", ""),
        ("pH", "GB/T 5750.4", 2023, "玻璃电极法", ""),
        ("工作场所空气中粉尘浓度", "GBZ/T 192.1", 2007, "", ""),
        ("工作场所噪声", "GBZ/T 189.8", 2007, "", ""),
        ("工作场所物理因素 高温", "GBZ/T 189.7", 2007, "", ""),
    ),
    "04": (
        ("土壤pH", "NY/T 1377", 2007, "", ""),
        ("土壤有机质", "NY/T 1121.6", 2006, "", ""),
        ("有机肥料", "NY/T 525", 2021, "", "不测重金属"),
        ("蔬菜中有机磷和氨基甲酸酯类农药残留", "GB/T 5009.199", 2003, "速测法", ""),
        ("饲料中粗蛋白", "GB/T 6432", 2018, "", ""),
        ("饲料中水分", "GB/T 6435", 2014, "", ""),
        ("复混肥料中总氮", "GB/T 8572", 2010, "", ""),
    ),
    "05": (
        ("汽油车排气污染物", "GB 18285", 2018, "双怠速法、简易瞬态工况法", ""),
        ("柴油车排气污染物", "GB 3847", 2018, "加载减速法", ""),
        ("机动车安全技术检验", "GB 38900", 2020, "", ""),
        ("机动车运行安全技术条件", "GB 7258", 2017, "", ""),
        ("营运车辆综合性能", "GB 18565", 2016, "", "不含大型客车"),
    ),
    "12": (
        ("氨氮", "HJ 535", 2009, "纳氏试剂分光光度法", ""),
        ("化学需氧量", "HJ 828", 2017, "重铬酸盐法", ""),
        ("总磷", "GB/T 11893", 1989, "", ""),
        ("五日生化需氧量", "HJ 505", 2009, "", ""),
        ("环境空气 PM2.5", "HJ 618", 2011, "重量法", ""),
        ("环境空气 二氧化硫", "HJ 482", 2009, "", ""),
        ("工业企业厂界环境噪声", "GB 12348", 2008, "", ""),
        ("土壤 无机元素", "HJ 780", 2015, "波长色散X射线荧光光谱法", ""),
        ("固定污染源废气 低浓度颗粒物", "HJ 836", 2017, "", ""),
        ("环境空气 挥发性有机物", "HJ 644", 2013, "", ""),
        ("石油类和动植物油类", "HJ 637", 2018, "红外分光光度法", ""),
    ),
    "13": (
        ("pH", "GB/T 5750.4", 2023, "", ""),
        ("浑浊度", "GB/T 5750.4", 2023, "散射法", ""),
        ("菌落总数", "GB/T 5750.12", 2023, "", ""),
        ("总大肠菌群", "GB/T 5750.12", 2023, "多管发酵法", ""),
        ("耗氧量", "GB/T 5750.7", 2023, "", ""),
        ("铅、镉", "GB/T 5750.6", 2023, "电感耦合等离子体质谱法", ""),
        ("游离氯", "GB/T 5750.11", 2023, "", ""),
        ("溶解氧", "HJ 506", 2009, "电化学探头法", ""),
        ("水质 pH", "HJ 1147", 2020, "", ""),
    ),
    "21": (
        ("电线电缆导体直流电阻", "GB/T 3048.4", 2007, "", ""),
        ("家用电器安全 通用要求", "GB 4706.1", 2005, "", "不测第22章"),
        ("纺织品 甲醛含量", "GB/T 2912.1", 2009, "", ""),
        ("纺织品 水萃取液pH值", "GB/T 7573", 2009, "", ""),
        ("玩具安全 机械与物理性能", "GB 6675.2", 2014, "", ""),
        ("塑料 拉伸性能", "GB/T 1040.2", 2022, "", ""),
    ),
}
_SCOPE_CATALOGUE["20"] = (
    _SCOPE_CATALOGUE["00"][:8]
    + _SCOPE_CATALOGUE["02"][:6]
    + _SCOPE_CATALOGUE["12"][:6]
    + _SCOPE_CATALOGUE["21"][:4]
)

# Green-product catalogue: category -> (evaluation standard, name words, products, model stem).
_GREEN_CATALOGUE: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("人造板和木质地板", "GB/T 35601-2017", ("木业", "竹木制品", "地板"),
     ("实木复合地板", "强化木地板", "竹地板", "刨花板", "中密度纤维板"), "FL"),
    ("涂料", "GB/T 35602-2017", ("涂料", "化工", "新材料"),
     ("水性内墙乳胶漆", "水性木器漆", "外墙弹性涂料", "粉末涂料"), "TL"),
    ("卫生陶瓷", "GB/T 35603-2017", ("卫浴", "洁具", "陶瓷"),
     ("坐便器", "洗面器", "蹲便器", "小便器"), "WC"),
    ("建筑玻璃", "GB/T 35604-2017", ("玻璃", "节能玻璃"),
     ("中空玻璃", "Low-E镀膜玻璃", "夹层玻璃", "钢化玻璃"), "BL"),
    ("太阳能热水系统", "GB/T 35606-2017", ("太阳能", "新能源", "热能设备"),
     ("家用太阳能热水系统", "真空管型太阳能热水器", "平板型太阳能集热器"), "SH"),
    ("家具", "GB/T 35607-2017", ("家具", "家居", "木业"),
     ("板式衣柜", "实木餐桌", "办公椅", "软体沙发", "床垫"), "JJ"),
    ("绝热材料", "GB/T 35608-2017", ("保温材料", "节能材料", "新型建材"),
     ("岩棉板", "挤塑聚苯乙烯泡沫板", "玻璃棉毡", "硬质聚氨酯泡沫板"), "JR"),
    ("防水与密封材料", "GB/T 35609-2017", ("防水材料", "建材", "防水科技"),
     ("SBS改性沥青防水卷材", "聚氨酯防水涂料", "硅酮建筑密封胶"), "FS"),
    ("陶瓷砖(板)", "GB/T 35610-2017", ("陶瓷", "建陶", "瓷业"),
     ("釉面砖", "瓷质抛光砖", "陶瓷薄板"), "TC"),
    ("纺织产品", "GB/T 35611-2017", ("纺织", "织造", "丝绸"),
     ("全棉针织内衣", "真丝面料", "床上用品", "毛巾"), "FZ"),
    ("木塑制品", "GB/T 35612-2017", ("木塑", "新材料"),
     ("木塑地板", "木塑墙板", "木塑护栏"), "MS"),
    ("纸和纸制品", "GB/T 35613-2017", ("纸业", "包装", "纸品"),
     ("生活用纸", "瓦楞纸箱", "文化用纸", "纸杯"), "ZP"),
    ("塑料制品", "GB/T 37866-2019", ("塑业", "塑料制品", "高分子材料"),
     ("塑料购物袋", "聚乙烯农用地膜", "塑料餐具", "PE给水管"), "SL"),
    ("洗涤用品", "GB/T 39020-2020", ("日化", "洗涤用品"),
     ("洗衣液", "洗洁精", "洗衣粉", "香皂"), "XD"),
    ("轮胎", "GB/T 40718-2021", ("轮胎", "橡胶"),
     ("轿车子午线轮胎", "载重汽车子午线轮胎", "轻型载重汽车轮胎"), "LT"),
    ("电冰箱", "GB 12021.2-2015", ("电器", "制冷设备"),
     ("家用电冰箱", "冷藏冷冻箱"), "BCD"),
    ("空调器", "GB 21455-2019", ("空调", "电器", "制冷设备"),
     ("房间空气调节器", "变频分体式空调器"), "KFR"),
)  # fmt: skip
_GREEN_BODIES: tuple[tuple[str, int], ...] = (
    ("CQC", 40),
    ("CEC", 15),
    ("CTC", 20),
    ("CABR", 8),
)
_CERTIFICATION_MODES = (
    "初始检查+产品抽样检测+获证后监督",
    "型式试验+初始工厂检查+获证后监督",
    "产品检验+工厂检查+获证后跟踪检查",
)

_CERT_STATUSES = (
    (common_pb2.CERTIFICATE_STATUS_VALID, "有效", 90),
    (common_pb2.CERTIFICATE_STATUS_SUSPENDED, "暂停", 4),
    (common_pb2.CERTIFICATE_STATUS_REVOKED, "撤销", 2),
    (common_pb2.CERTIFICATE_STATUS_CANCELLED, "注销", 4),
)
_GREEN_STATUSES = (
    (common_pb2.CERTIFICATE_STATUS_VALID, "有效", 93),
    (common_pb2.CERTIFICATE_STATUS_SUSPENDED, "暂停", 4),
    (common_pb2.CERTIFICATE_STATUS_REVOKED, "撤销", 1),
    (common_pb2.CERTIFICATE_STATUS_CANCELLED, "注销", 2),
)
_ASSESSOR_LEVELS = (
    (records_pb2.ASSESSOR_LEVEL_TEAM_LEADER, 2),
    (records_pb2.ASSESSOR_LEVEL_ASSESSOR, 6),
    (records_pb2.ASSESSOR_LEVEL_TECHNICAL_EXPERT, 2),
)
# (status, original text, reason, weight)
_ASSESSOR_STATUSES = (
    (records_pb2.ASSESSOR_STATUS_ACTIVE, "正常", "", 90),
    (records_pb2.ASSESSOR_STATUS_SUSPENDED, "暂停", "为被评审机构提供咨询服务，未主动回避", 3),
    (records_pb2.ASSESSOR_STATUS_SUSPENDED, "暂停", "评审中未遵守回避规定", 1),
    (records_pb2.ASSESSOR_STATUS_REINSTATED, "恢复", "暂停期满，经复核恢复评审资格", 4),
    (records_pb2.ASSESSOR_STATUS_REVOKED, "取消资格", "出具不实评审结论", 2),
)
# (list type, action, reason, weight)
_CREDIT_REASONS = (
    (records_pb2.CREDIT_LIST_TYPE_ABNORMAL_OPERATIONS, "未按照规定期限公示年度报告", 40),
    (records_pb2.CREDIT_LIST_TYPE_ABNORMAL_OPERATIONS, "通过登记的住所或者经营场所无法联系", 20),
    (records_pb2.CREDIT_LIST_TYPE_ABNORMAL_OPERATIONS, "公示企业信息隐瞒真实情况、弄虚作假", 8),
    (records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION, "出具虚假检验检测报告", 12),
    (records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION, "伪造、篡改检验检测数据", 8),
    (
        records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION,
        "被列入经营异常名录届满3年仍未履行相关义务",
        12,
    ),
)
_CREDIT_ACTIONS = (
    (records_pb2.CREDIT_ACTION_LISTED, 75),
    (records_pb2.CREDIT_ACTION_REMOVED, 15),
    (records_pb2.CREDIT_ACTION_REPAIRED, 10),
)


def _bag(weighted: Sequence[tuple[_T, int]]) -> tuple[_T, ...]:
    """A tuple where each item appears `weight` times, for fast weighted `rng.choice`."""
    return tuple(item for item, weight in weighted for _ in range(weight))


_FIELD_BAG = _bag(list(zip(_FIELDS, _FIELD_WEIGHTS, strict=True)))
_BODY_BAG = _bag(_GREEN_BODIES)
_LEVEL_BAG = _bag(_ASSESSOR_LEVELS)
_ACTION_BAG = _bag(_CREDIT_ACTIONS)
_CREDIT_REASON_BAG = _bag([((t, r), w) for t, r, w in _CREDIT_REASONS])
_ASSESSOR_STATUS_BAG = _bag([((s, o, r), w) for s, o, r, w in _ASSESSOR_STATUSES])
_CERT_STATUS_BAG = _bag(
    [(common_pb2.Status(canonical=s, original=o), w) for s, o, w in _CERT_STATUSES]
)
_GREEN_STATUS_BAG = _bag(
    [(common_pb2.Status(canonical=s, original=o), w) for s, o, w in _GREEN_STATUSES]
)
_SCOPE_MESSAGES: dict[str, tuple[records_pb2.ScopeItem, ...]] = {
    code: tuple(
        records_pb2.ScopeItem(
            parameter=p, standard_code=c, standard_year=y, limits=lim, exclusions=exc
        )
        for p, c, y, lim, exc in items
    )
    for code, items in _SCOPE_CATALOGUE.items()
}

_SIGNATORY_POOL_SIZE = 2000
"""Signatories drawn per field once, then picked from: people's names repeat anyway."""
_QUALIFICATION_YEARS = 6
_GREEN_YEARS = 5
_FIRST_ISSUE = dt.date(2019, 1, 1)
_LAST_ISSUE = dt.date(2026, 12, 31)
_GREEN_RULES_IN_FORCE = dt.date(2019, 6, 1)


# --- entities -------------------------------------------------------------------


@dataclass(slots=True)
class _Institution:
    province: Province
    uscc: str
    name: str
    address: str
    legal_nature: str
    field: str


@dataclass(slots=True)
class _Enterprise:
    province: Province
    uscc: str
    name: str
    category: int


def _plus_years(start: dt.date, years: int) -> dt.date:
    """The last day of a validity of `years` years starting on `start`."""
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = dt.date(start.year + years, 3, 1)
    return end - dt.timedelta(days=1)


class _Generator:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.used_names: set[str] = set()
        self.used_usccs: set[str] = set()
        self.used_labels: set[str] = set()
        self.cma_serials: dict[tuple[str, str, str, str], int] = {}
        self.green_serials: dict[tuple[str, int], int] = {}
        self.credit_serials: dict[tuple[Province, int], int] = {}
        self.signatory_pools: dict[str, list[records_pb2.Signatory]] = {}
        issue_end = min(today, _LAST_ISSUE)
        self.issue_start = _FIRST_ISSUE.toordinal()
        self.issue_span = max(1, issue_end.toordinal() - self.issue_start + 1)
        self.green_start = _GREEN_RULES_IN_FORCE.toordinal()
        self.green_span = max(1, today.toordinal() - self.green_start + 1)
        self.credit_start = dt.date(2021, 1, 1).toordinal()
        self.credit_span = max(1, today.toordinal() - self.credit_start + 1)

    # identifiers and text

    def uscc(self, region: str, prefix: str = "91") -> str:
        while True:
            code = make_uscc(self.rng, region, prefix=prefix)
            if code not in self.used_usccs:
                self.used_usccs.add(code)
                return code

    def brand(self, length: int) -> str:
        return "".join(self.rng.choice(_BRAND_SYLLABLES) for _ in range(length))

    def person(self) -> str:
        rng = self.rng
        given = rng.choice(_GIVEN)
        if rng.random() < 0.7:
            given += rng.choice(_GIVEN)
        return rng.choice(_SURNAMES) + given

    def address(self, province: Province, region: tuple[str, str, str]) -> str:
        rng = self.rng
        _, city, district = region
        head = _PROVINCE_PREFIX[province]
        if province is not Province.SH:
            head += city
        text = f"{head}{district}{rng.choice(_ROADS)}{rng.randrange(1, 2000)}号"
        roll = rng.random()
        if roll < 0.3:
            text += f"{rng.randrange(1, 12)}幢{rng.randrange(1, 8)}层"
        elif roll < 0.45:
            text += f"{rng.randrange(1, 20)}{rng.randrange(1, 30):02d}室"
        return text

    def unique_name(self, make: Callable[[int], str]) -> str:
        for attempt in range(100):
            name = make(attempt)
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("could not draw a unique name")  # pragma: no cover

    def name_prefix(self, province: Province, region: tuple[str, str, str]) -> str:
        roll = self.rng.random()
        if province is Province.SH or roll < 0.45:
            return _PROVINCE_PREFIX[province].removesuffix("省").removesuffix("市")
        if roll < 0.85:
            return _place_short(region[1])
        return _place_short(region[2])

    # entities

    def institution(self, province: Province) -> _Institution:
        rng = self.rng
        region = rng.choice(_REGIONS[province])
        code = rng.choice(_FIELD_BAG)
        public = rng.random() < 0.2
        if public:
            # 苏州市…, 昆山市… or 安吉县… (county level), 上海市浦东新区…
            _, city, district = region
            place = city
            if rng.random() < 0.4:
                place = district if district.endswith(("市", "县")) else city + district

            def make(attempt: int) -> str:
                if attempt < 3:
                    return rng.choice(_PUBLIC_NAME_TEMPLATES[code]).format(p=place)
                return self.enterprise_lab_name(province, region, code, attempt)

            name = self.unique_name(make)
            public = "公司" not in name
        else:
            name = self.unique_name(
                lambda attempt: self.enterprise_lab_name(province, region, code, attempt)
            )
        return _Institution(
            province=province,
            uscc=self.uscc(region[0], "12" if public else "91"),
            name=name,
            address=self.address(province, region),
            legal_nature="事业单位" if public else "企业法人",
            field=code,
        )

    def enterprise_lab_name(
        self, province: Province, region: tuple[str, str, str], code: str, attempt: int
    ) -> str:
        rng = self.rng
        length = 2 if attempt < 10 and rng.random() < 0.8 else 4 if attempt < 20 else 6
        return (
            self.name_prefix(province, region)
            + self.brand(length)
            + rng.choice(_FIELD_NAME_WORDS[code])
            + rng.choice(_ENTERPRISE_SUFFIXES)
        )

    def enterprise(self, province: Province) -> _Enterprise:
        rng = self.rng
        region = rng.choice(_REGIONS[province])
        category = rng.randrange(len(_GREEN_CATALOGUE))
        words = _GREEN_CATALOGUE[category][2]
        suffixes = ("有限公司", "有限公司", "股份有限公司", "科技有限公司", "集团有限公司")

        def make(attempt: int) -> str:
            prefix = _PROVINCE_PREFIX[province].removesuffix("省").removesuffix("市")
            roll = rng.random()
            if province is not Province.SH and roll < 0.25 and attempt < 2:
                middle = _place_short(region[2])  # 浙江安吉竹木制品有限公司
            elif roll < 0.6:
                middle = self.brand(2 if attempt < 10 else 4)
            else:
                prefix = _place_short(region[1])
                middle = self.brand(2 if attempt < 10 else 4)
            return prefix + middle + rng.choice(words) + rng.choice(suffixes)

        return _Enterprise(
            province=province,
            uscc=self.uscc(region[0]),
            name=self.unique_name(make),
            category=category,
        )

    # records

    def cma_number(self, issuer: str, year: int, code: str) -> str:
        rng = self.rng
        for _ in range(len(_DEPARTMENTS) * 4):
            dept = rng.choice(_DEPARTMENTS)
            key = (issuer, f"{year % 100:02d}", code, dept)
            serial = self.cma_serials.get(key, 0) + 1
            if serial <= 9999:
                self.cma_serials[key] = serial
                return f"{key[1]}{issuer}{code}{dept}{serial:04d}"
        raise ValueError("ran out of CMA serial numbers: generate fewer institutions")

    def qualification(
        self, inst: _Institution, issuer: str, address: str | None = None
    ) -> records_pb2.Record:
        rng = self.rng
        start = dt.date.fromordinal(self.issue_start + rng.randrange(self.issue_span))
        end = _plus_years(start, _QUALIFICATION_YEARS)
        code = inst.field
        catalogue = _SCOPE_MESSAGES[code]
        size = min(len(catalogue), rng.randint(3, 12))
        pool = self.signatory_pools.get(code)
        if pool is None:
            pool = self.signatory_pools[code] = [
                records_pb2.Signatory(
                    name=self.person(),
                    fields=rng.sample(_SIGNATORY_FIELDS[code], 1 + (rng.random() < 0.4)),
                )
                for _ in range(_SIGNATORY_POOL_SIZE)
            ]
        return records_pb2.Record(
            qualification=records_pb2.Qualification(
                issuer=issuer,
                number=self.cma_number(issuer, start.year, code),
                institution_uscc=inst.uscc,
                institution_name=inst.name,
                address=address or inst.address,
                legal_nature=inst.legal_nature,
                valid_from=start.isoformat(),
                valid_until=end.isoformat(),
                status=rng.choice(_CERT_STATUS_BAG),
                scope=rng.sample(catalogue, size),
                signatories=rng.sample(pool, 1 + int(rng.random() * 4)),
            )
        )

    def assessor(self, province: Province, employer: _Institution) -> records_pb2.Record:
        rng = self.rng
        status, original, reason = rng.choice(_ASSESSOR_STATUS_BAG)
        fields = {employer.field}
        for _ in range(rng.randrange(3)):
            fields.add(rng.choice(_FIELDS))
        if status in (records_pb2.ASSESSOR_STATUS_ACTIVE, records_pb2.ASSESSOR_STATUS_REINSTATED):
            available = rng.random() < 0.9
        else:
            available = False
        return records_pb2.Record(
            assessor=records_pb2.Assessor(
                assessor_id=f"A{rng.getrandbits(64):016x}",
                home_province=_PROTO_PROVINCE[province],
                employer_uscc=employer.uscc,
                level=rng.choice(_LEVEL_BAG),
                fields=sorted(fields),
                status=status,
                original_status=original,
                status_reason=reason,
                available=available,
            )
        )

    def green_cert(
        self, ent: _Enterprise, labs: Sequence[_Institution], *, zj_body: bool
    ) -> records_pb2.Record:
        rng = self.rng
        name, standard, _, products, stem = _GREEN_CATALOGUE[ent.category]
        body = "ZJCERT" if zj_body and rng.random() < 0.25 else rng.choice(_BODY_BAG)
        start = dt.date.fromordinal(self.green_start + rng.randrange(self.green_span))
        year = start.year
        key = (body, year)
        serial = self.green_serials.get(key, rng.randrange(1, 500)) + rng.randrange(1, 40)
        self.green_serials[key] = serial
        if body == "CQC":
            number = f"CQC{year}GP{serial:07d}"
        elif body == "CEC":
            number = f"CEC-GP-{year % 100:02d}-{serial:06d}"
        elif body == "CTC":
            number = f"CTC{year % 100:02d}GPC{serial:05d}"
        elif body == "CABR":
            number = f"CABR-GP-{year}-{serial:05d}"
        else:
            number = f"ZJ{year}GP{serial:05d}"
        while True:
            label = f"GP{rng.randrange(10**14):014d}"
            if label not in self.used_labels:
                self.used_labels.add(label)
                break
        model = f"{stem}-{rng.randrange(100, 1000)}{rng.choice('ABCDEGHKMPTW')}"
        lab = rng.choice(labs).name if labs else ""
        return records_pb2.Record(
            green_cert=records_pb2.GreenCertification(
                body_code=body,
                certificate_number=number,
                label_code=label,
                enterprise_uscc=ent.uscc,
                enterprise_name=ent.name,
                product=rng.choice(products),
                model=model,
                category=name,
                evaluation_standard=standard,
                valid_from=start.isoformat(),
                valid_until=_plus_years(start, _GREEN_YEARS).isoformat(),
                status=rng.choice(_GREEN_STATUS_BAG),
                certification_mode=rng.choice(_CERTIFICATION_MODES),
                laboratory=lab,
            )
        )

    def credit_events(self, province: Province, uscc: str) -> list[records_pb2.Record]:
        """One event, or a listing and its later removal or repair."""
        rng = self.rng
        list_type, reason = rng.choice(_CREDIT_REASON_BAG)
        action = rng.choice(_ACTION_BAG)
        listed = dt.date.fromordinal(self.credit_start + rng.randrange(self.credit_span))
        events = [(records_pb2.CREDIT_ACTION_LISTED, listed)]
        if action != records_pb2.CREDIT_ACTION_LISTED:
            later = min(self.today, listed + dt.timedelta(days=rng.randrange(30, 700)))
            if rng.random() < 0.5:
                events = [(action, later)]  # the listing predates the data set
            else:
                events.append((action, later))
        out = []
        for act, when in events:
            until = ""
            if (
                act == records_pb2.CREDIT_ACTION_LISTED
                and list_type == records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION
                and rng.random() < 0.5
            ):
                until = _plus_years(when, 3).isoformat()
            key = (province, when.year)
            serial = self.credit_serials.get(key, 0) + rng.randrange(1, 12)
            self.credit_serials[key] = serial
            out.append(
                records_pb2.Record(
                    credit_event=records_pb2.CreditEvent(
                        reference=f"{_CREDIT_REFERENCE_PREFIX[province]}〔{when.year}〕{serial}号",
                        uscc=uscc,
                        list_type=list_type,
                        action=act,
                        reason=reason,
                        effective_from=when.isoformat(),
                        effective_until=until,
                        listing_province=_PROTO_PROVINCE[province],
                    )
                )
            )
        return out

    # breaking records on purpose

    def bad_check_char(self, code: str) -> str:
        right = _USCC_ALPHABET.index(code[-1])
        return code[:-1] + _USCC_ALPHABET[(right + self.rng.randrange(1, 31)) % 31]

    def break_record(self, record: records_pb2.Record) -> None:
        rng = self.rng
        kind = record.WhichOneof("body")
        if kind == "qualification":
            q = record.qualification
            way = rng.randrange(5)
            if way == 0:
                q.institution_uscc = self.bad_check_char(q.institution_uscc)
            elif way == 1:
                q.number = q.number[:8] + q.number[9:]  # a digit lost in the serial
            elif way == 2:
                q.valid_from, q.valid_until = q.valid_until, q.valid_from
            elif way == 3:
                q.institution_name = ""
            else:
                q.scope[rng.randrange(len(q.scope))].standard_year = 0
        elif kind == "assessor":
            a = record.assessor
            if rng.random() < 0.5:
                a.employer_uscc = self.bad_check_char(a.employer_uscc)
            else:
                a.fields[rng.randrange(len(a.fields))] = rng.choice(("5", "0A", "食品", "123"))
        elif kind == "green_cert":
            g = record.green_cert
            way = rng.randrange(3)
            if way == 0:
                g.enterprise_uscc = self.bad_check_char(g.enterprise_uscc)
            elif way == 1:
                g.valid_from, g.valid_until = g.valid_until, g.valid_from
            else:
                g.enterprise_name = ""
        else:
            c = record.credit_event
            way = rng.randrange(3)
            if way == 0:
                c.uscc = self.bad_check_char(c.uscc)
            elif way == 1:
                start = dt.date.fromisoformat(c.effective_from)
                c.effective_until = (start - dt.timedelta(days=rng.randrange(1, 400))).isoformat()
            else:
                c.list_type = records_pb2.CREDIT_LIST_TYPE_UNSPECIFIED


def _roughly(rng: random.Random, expected: float) -> int:
    """An integer whose mean is `expected`."""
    whole = int(expected)
    return whole + (rng.random() < expected - whole)


def generate(
    institutions_per_province: int = 1000,
    *,
    seed: int = 2026,
    invalid_ratio: float = 0.02,
    today: dt.date | None = None,
) -> DataSet:
    """A realistic data set of the four provinces' records, the same for the same arguments.

    Per institution and province there are about one CMA qualification, 0.4
    assessors, 1.5 green-product certifications (of separate manufacturing
    enterprises) and 0.05 credit events, about 2.95 records in all. `today`
    bounds issue dates (default: the current date; pass it to get the same data
    set on any day).
    """
    if institutions_per_province < 0:
        raise ValueError("institutions_per_province must not be negative")
    if not 0.0 <= invalid_ratio <= 1.0:
        raise ValueError("invalid_ratio is between 0 and 1")
    # A million records allocate many objects but form no reference cycles: pausing the
    # cyclic collector saves a fifth of the time. Reference counting still frees memory.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(institutions_per_province, seed, invalid_ratio, today or dt.date.today())
    finally:
        if collecting:
            gc.enable()


def _generate(n: int, seed: int, invalid_ratio: float, today: dt.date) -> DataSet:
    rng = random.Random(seed)
    gen = _Generator(rng, today)

    institutions: dict[Province, list[_Institution]] = {}
    enterprises: dict[Province, list[_Enterprise]] = {}
    for province in Province:
        institutions[province] = [gen.institution(province) for _ in range(n)]
    drafts: dict[Province, list[records_pb2.Record]] = {p: [] for p in Province}
    # Records of cross-province situations, by position: never broken on purpose.
    protected: dict[Province, set[int]] = {p: set() for p in Province}

    for province in Province:
        out = drafts[province]
        own = institutions[province]
        local = province.cma_issuer
        for inst in own:
            issuer = NATIONAL_CMA_ISSUER if rng.random() < 0.05 else local
            out.append(gen.qualification(inst, issuer))

        if own:
            others = [i for p in _NEIGHBOURS[province] for i in institutions[p]]
            for _ in range(_roughly(rng, n * 0.4)):
                # A few live here and work across the border.
                cross = others and rng.random() < 0.03
                employer = rng.choice(others) if cross else rng.choice(own)
                out.append(gen.assessor(province, employer))

        ents: list[_Enterprise] = []
        remaining = _roughly(rng, n * 1.5)
        while remaining > 0:
            ent = gen.enterprise(province)
            ents.append(ent)
            for _ in range(min(remaining, rng.choice((1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6)))):
                out.append(gen.green_cert(ent, own, zj_body=province is Province.ZJ))
                remaining -= 1
        enterprises[province] = ents

        subjects: list[str] = [i.uscc for i in own]
        subjects += [e.uscc for e in ents[: max(1, len(ents) // 4)]] if ents else []
        events = 0
        target = _roughly(rng, n * 0.05)
        while subjects and events < target:
            batch = gen.credit_events(province, rng.choice(subjects))
            out.extend(batch)
            events += len(batch)

    _add_cross_province(gen, n, institutions, enterprises, drafts, protected)

    by_province: dict[Province, list[records_pb2.Record]] = {}
    invalid_indexes: dict[Province, set[int]] = {}
    for province in Province:
        drafted = drafts[province]
        order = list(range(len(drafted)))
        rng.shuffle(order)
        records = [drafted[i] for i in order]
        keep = protected[province]
        candidates = [pos for pos, i in enumerate(order) if i not in keep]
        count = min(len(candidates), round(len(records) * invalid_ratio))
        chosen = set(rng.sample(candidates, count))
        for index in sorted(chosen):
            gen.break_record(records[index])
        by_province[province] = records
        invalid_indexes[province] = chosen
    return DataSet(by_province=by_province, invalid_indexes=invalid_indexes)


def _add_cross_province(
    gen: _Generator,
    n: int,
    institutions: dict[Province, list[_Institution]],
    enterprises: dict[Province, list[_Enterprise]],
    drafts: dict[Province, list[records_pb2.Record]],
    protected: dict[Province, set[int]],
) -> None:
    """Situations that cross borders, which real data has and the hub must handle."""
    rng = gen.rng
    if n < 20:
        return
    for home in Province:
        # An enterprise certified for a factory in a neighbouring province, same USCC.
        ents = enterprises[home]
        for ent in rng.sample(ents, min(len(ents), max(1, n // 200))):
            there = rng.choice(_NEIGHBOURS[home])
            labs = institutions[there]
            _append_protected(drafts, protected, there, gen.green_cert(ent, labs, zj_body=False))
        # An institution with a branch laboratory qualified by a neighbouring province.
        own = institutions[home]
        for inst in rng.sample(own, max(1, n // 250)):
            there = rng.choice(_NEIGHBOURS[home])
            address = gen.address(there, rng.choice(_REGIONS[there]))
            record = gen.qualification(inst, there.cma_issuer, address)
            _append_protected(drafts, protected, there, record)
        # A certificate this province issued, published by the neighbour the institution
        # moved to: an issuer conflict the registry flags.
        if n >= 50:
            inst = rng.choice(own)
            there = rng.choice(_NEIGHBOURS[home])
            address = gen.address(there, rng.choice(_REGIONS[there]))
            record = gen.qualification(inst, home.cma_issuer, address)
            _append_protected(drafts, protected, there, record)


def _append_protected(
    drafts: dict[Province, list[records_pb2.Record]],
    protected: dict[Province, set[int]],
    province: Province,
    record: records_pb2.Record,
) -> None:
    protected[province].add(len(drafts[province]))
    drafts[province].append(record)
