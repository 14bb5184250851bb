"""The data tables devtools.datagen draws from: regions, names and vocabulary, CMA
capability scopes, the green-product catalogue, status and credit mixes, and the
weighted bags built from them.

Data, not logic: this module is over 400 lines because the tables are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from services.core.provinces import Province
from yrdhub.v1 import common_pb2, records_pb2

_T = TypeVar("_T")


# --- geography --------------------------------------------------------------

# (region code, city, district or county), GB/T 2260.
REGIONS: dict[Province, tuple[tuple[str, str, str], ...]] = {
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

PROVINCE_PREFIX = {
    Province.SH: "上海市",
    Province.JS: "江苏省",
    Province.ZJ: "浙江省",
    Province.AH: "安徽省",
}
CREDIT_REFERENCE_PREFIX = {
    Province.SH: "沪市监信",
    Province.JS: "苏市监信",
    Province.ZJ: "浙市监信",
    Province.AH: "皖市监信",
}
NEIGHBOURS = {
    Province.SH: (Province.JS, Province.ZJ),
    Province.JS: (Province.SH, Province.ZJ, Province.AH),
    Province.ZJ: (Province.SH, Province.JS, Province.AH),
    Province.AH: (Province.JS, Province.ZJ),
}
PROTO_PROVINCE = {
    Province.SH: common_pb2.PROVINCE_SH,
    Province.JS: common_pb2.PROVINCE_JS,
    Province.ZJ: common_pb2.PROVINCE_ZJ,
    Province.AH: common_pb2.PROVINCE_AH,
}

# Road names common to most cities (a road name alone does not place an address).
ROADS = (
    "人民路", "中山路", "解放路", "建设路", "长江路", "学府路", "科技路", "创新大道",
    "高新大道", "工业园路", "振兴路", "东方路", "纬二路", "经一路", "科创路", "兴业路",
    "滨江大道", "湖滨路", "望江路", "新华路", "和平路", "青年路", "迎宾大道", "开发区大道",
    "环城东路", "环城西路", "工业大道", "富民路", "光明路", "朝阳路", "胜利路", "团结路",
    "友谊路", "幸福路", "江南大道", "创业路", "五一路", "滨河路", "园区大道", "高新三路",
    "科技二路", "通江大道", "文化路", "健康路", "北京路", "南京路", "延安路", "复兴路",
)  # fmt: skip


def place_short(name: str) -> str:
    """苏州市 -> 苏州, 安吉县 -> 安吉, 浦东新区 -> 浦东; keeps two characters at least."""
    for suffix in ("新区", "市", "县", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


# --- vocabulary ---------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力斌宇浩凯鹏飞晨曦婷雪琳"
    "颖慧俊峰志宏海波国庆春梅兰亮成龙云鑫瑞欣怡佳乐晓东立新永健家宁振世雅倩晶博思远卫彬"
)
BRAND_SYLLABLES = (
    "华测谱尼通达正信恒安泰瑞鼎科联博创精标品源康永德嘉睿宏天新和绿清蓝海众合力环中"
    "诚晟昊沃益铭旭启航汇金衡实鑫"
)

FIELDS = ("00", "01", "02", "03", "04", "05", "12", "13", "20", "21")
FIELD_WEIGHTS = (15, 15, 10, 6, 8, 12, 16, 6, 7, 5)
DEPARTMENTS = (
    "00", "00", "00", "01", "02", "05", "05", "06", "10", "12", "15", "17", "21", "34",
)  # fmt: skip

FIELD_NAME_WORDS: dict[str, tuple[str, ...]] = {
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
ENTERPRISE_SUFFIXES = (
    "技术有限公司", "技术有限公司", "科技有限公司", "有限公司", "技术服务有限公司",
    "股份有限公司", "认证有限公司",
)  # fmt: skip
# Public institutions; "{p}" is a city or county name such as "苏州市".
# National inspection centres, the laboratories the national authority (issuer
# 00) qualifies: "{p}" is the province's name.
NATIONAL_NAME_TEMPLATES: dict[str, str] = {
    "00": "国家食品质量检验检测中心（{p}）",
    "01": "国家建筑工程质量检验检测中心（{p}）",
    "02": "国家建筑材料质量检验检测中心（{p}）",
    "03": "国家职业卫生检验检测中心（{p}）",
    "04": "国家农产品质量检验检测中心（{p}）",
    "05": "国家机动车质量检验检测中心（{p}）",
    "12": "国家环境保护产品质量检验检测中心（{p}）",
    "13": "国家城市供水水质检验检测中心（{p}）",
    "20": "国家消费品质量检验检测中心（{p}）",
    "21": "国家电线电缆质量检验检测中心（{p}）",
}
# Credit reasons that only a laboratory can be listed for.
LAB_ONLY_REASONS = frozenset({"出具虚假检验检测报告", "伪造、篡改检验检测数据"})
PUBLIC_NAME_TEMPLATES: dict[str, tuple[str, ...]] = {
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
SIGNATORY_FIELDS: dict[str, tuple[str, ...]] = {
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
# Only the green-product evaluation standards (GB/T 35601-35613, 绿色产品评价):
# energy-efficiency standards are not green-product certification standards.
GREEN_CATALOGUE: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str], ...] = (
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
    ("墙体材料", "GB/T 35605-2017", ("墙材", "新型墙体材料", "建材"),
     ("蒸压加气混凝土砌块", "烧结多孔砖", "复合保温墙板"), "QT"),
)  # fmt: skip
# Certifying bodies by a short name: (approval number, name, weight). The
# approval numbers have the regulator's CNCA-R-YYYY-NNN form but are
# illustrative: check a body's real number on the national platform.
GREEN_BODIES: dict[str, tuple[str, str, int]] = {
    "CQC": ("CNCA-R-2002-001", "中国质量认证中心", 40),
    "CEC": ("CNCA-R-2002-105", "中环联合(北京)认证中心有限公司", 15),
    "CTC": ("CNCA-R-2003-117", "中国建材检验认证集团股份有限公司", 20),
    "CABR": ("CNCA-R-2002-022", "中国建筑科学研究院有限公司认证中心", 8),
    "ZJCERT": ("CNCA-R-2019-321", "浙江公信认证有限公司", 0),
}
_GREEN_BODIES = tuple((short, w) for short, (_, _, w) in GREEN_BODIES.items() if w)
CERTIFICATION_MODES = (
    "初始检查+产品抽样检测+获证后监督",
    "型式试验+初始工厂检查+获证后监督",
    "产品检验+工厂检查+获证后跟踪检查",
)

# CMA certificates are in force, revoked or cancelled: no suspension
# (services/common/policy/status-rules-v1.toml).
_CERT_STATUSES = (
    (common_pb2.CERTIFICATE_STATUS_VALID, "有效", 94),
    (common_pb2.CERTIFICATE_STATUS_REVOKED, "撤销", 2),
    (common_pb2.CERTIFICATE_STATUS_CANCELLED, "注销", 4),
)
_GREEN_STATUSES = (
    (common_pb2.CERTIFICATE_STATUS_VALID, "有效", 93),
    (common_pb2.CERTIFICATE_STATUS_SUSPENDED, "暂停", 4),
    (common_pb2.CERTIFICATE_STATUS_REVOKED, "撤销", 1),
    (common_pb2.CERTIFICATE_STATUS_CANCELLED, "注销", 2),
)
ASSESSOR_LEVELS = (
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


FIELD_BAG = _bag(list(zip(FIELDS, FIELD_WEIGHTS, strict=True)))
BODY_BAG = _bag(_GREEN_BODIES)
LEVEL_BAG = _bag(ASSESSOR_LEVELS)
ACTION_BAG = _bag(_CREDIT_ACTIONS)
CREDIT_REASON_BAG = _bag([((t, r), w) for t, r, w in _CREDIT_REASONS])
ASSESSOR_STATUS_BAG = _bag([((s, o, r), w) for s, o, r, w in _ASSESSOR_STATUSES])
CERT_STATUS_BAG = _bag(
    [(common_pb2.Status(canonical=s, original=o), w) for s, o, w in _CERT_STATUSES]
)
GREEN_STATUS_BAG = _bag(
    [(common_pb2.Status(canonical=s, original=o), w) for s, o, w in _GREEN_STATUSES]
)
SCOPE_MESSAGES: dict[str, tuple[records_pb2.ScopeItem, ...]] = {
    code: tuple(
        records_pb2.ScopeItem(
            parameter=p, standard_code=c, standard_year=y, limits=lim, exclusions=exc
        )
        for p, c, y, lim, exc in items
    )
    for code, items in _SCOPE_CATALOGUE.items()
}

# Product or sample categories printed on test reports.
SAMPLE_CATEGORIES = (
    "食品 / 大米",
    "食品 / 食用植物油",
    "建设工程 / 混凝土试块",
    "环境 / 地表水",
    "环境 / 土壤",
    "机动车 / 尾气排放",
    "消费品 / 儿童玩具",
    "医疗器械 / 一次性口罩",
)

# Proficiency-testing providers (能力验证提供者) and the prefix of their round codes.
PT_PROVIDERS = (
    ("国家认证认可监督管理委员会", "CNCA"),
    ("中国合格评定国家认可委员会", "CNAS"),
    ("上海市市场监督管理局", "SHPT"),
    ("江苏省市场监督管理局", "JSPT"),
    ("浙江省市场监督管理局", "ZJPT"),
    ("安徽省市场监督管理局", "AHPT"),
)
PT_OUTCOME_BAG = _bag(
    [
        (records_pb2.PROFICIENCY_OUTCOME_SATISFACTORY, 85),
        (records_pb2.PROFICIENCY_OUTCOME_QUESTIONABLE, 10),
        (records_pb2.PROFICIENCY_OUTCOME_UNSATISFACTORY, 5),
    ]
)
