"""The demo district: real Tianjin communities named in the seed pages, with invented but plausible detail.

Names, streets and districts of the communities come from the newspaper pages in `/work/shared/seeds/`
(西宁道社区 of 南营门街道, 河滨花苑社区 of 芥园道街, 燕宇社区 and 湘潭道社区 of 西沽街, 金辰园社区 of
望海楼街, 丹江里社区 of 月牙河街, …). Where a page names a compound (吉利花园, 湘潭东里, 湘潭里, 银泰公寓,
泾水园) we use it; the other compounds, the coordinates and the grid shapes are invented around each
community's rough real location. 东风路南社区 is left out: the page places it in 石家庄市桥西区, not Tianjin.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompoundSpec:
    name: str
    buildings: int
    # 0-based indexes of the community's grids the buildings are spread over
    grids: tuple[int, ...]
    first_building: int = 1


@dataclass(frozen=True)
class CommunitySpec:
    code: str
    name: str
    street: str  # street code
    lon: float  # rough centre
    lat: float
    width: float  # degrees of longitude
    height: float  # degrees of latitude
    layout: tuple[int, int]  # grid columns × rows
    compounds: tuple[CompoundSpec, ...]
    roads: tuple[str, ...]
    weight: float = 1.0  # share of the demo's cases
    property_company: str = "WY-AJ"
    meeting_name: str = "居民议事会"
    grid_names: tuple[str, ...] = ()


DISTRICTS = (
    ("120101", "和平区"),
    ("120102", "河东区"),
    ("120104", "南开区"),
    ("120105", "河北区"),
    ("120106", "红桥区"),
)

# (code, district code, name)
STREETS = (
    ("120101006", "120101", "南营门街道"),
    ("120106003", "120106", "西沽街"),
    ("120106007", "120106", "芥园道街"),
    ("120105004", "120105", "望海楼街"),
    ("120105009", "120105", "月牙河街"),
    ("120104010", "120104", "向阳路街"),
    ("120102005", "120102", "大直沽街"),
)

COMMUNITIES = (
    CommunitySpec(
        code="XND",
        name="西宁道社区",
        street="120101006",
        lon=117.1890,
        lat=39.1160,
        width=0.0064,
        height=0.0048,
        layout=(2, 2),
        compounds=(
            CompoundSpec("吉利花园", 4, (0, 1)),
            CompoundSpec("西宁里", 6, (2,)),
            CompoundSpec("康宁里", 4, (0,)),
            CompoundSpec("成都道公寓", 3, (3,)),
            CompoundSpec("贵州里", 5, (3, 1)),
        ),
        roads=("西宁道", "西康路", "成都道"),
        weight=2.2,
        meeting_name="和平夜话",
    ),
    CommunitySpec(
        code="TXL",
        name="天兴里社区",
        street="120101006",
        lon=117.1965,
        lat=39.1125,
        width=0.0050,
        height=0.0040,
        layout=(2, 1),
        compounds=(CompoundSpec("天兴里", 8, (0, 1)), CompoundSpec("桂林路公寓", 3, (1,))),
        roads=("桂林路", "西康路"),
        weight=0.8,
    ),
    CommunitySpec(
        code="WHC",
        name="文化村社区",
        street="120101006",
        lon=117.1900,
        lat=39.1088,
        width=0.0054,
        height=0.0036,
        layout=(3, 1),
        compounds=(
            CompoundSpec("文化村", 9, (0, 1)),
            CompoundSpec("昆明路小区", 4, (2,)),
        ),
        roads=("昆明路", "贵州路"),
        weight=0.8,
    ),
    CommunitySpec(
        code="HBHY",
        name="河滨花苑社区",
        street="120106007",
        lon=117.1530,
        lat=39.1440,
        width=0.0058,
        height=0.0046,
        layout=(3, 1),
        compounds=(
            CompoundSpec("河滨花苑", 12, (0, 1, 2)),
            CompoundSpec("芥园里", 5, (2,)),
        ),
        roads=("芥园道", "南运河南路"),
        weight=1.0,
        property_company="WY-ZJ",
    ),
    CommunitySpec(
        code="YY",
        name="燕宇社区",
        street="120106003",
        lon=117.1715,
        lat=39.1655,
        width=0.0050,
        height=0.0054,
        layout=(1, 3),
        compounds=(
            CompoundSpec("燕宇花园", 8, (0, 1)),
            CompoundSpec("西沽南里", 6, (2,)),
        ),
        roads=("西沽南路", "红旗北路"),
        weight=1.0,
        meeting_name="小区议事会",
    ),
    CommunitySpec(
        code="XTD",
        name="湘潭道社区",
        street="120106003",
        lon=117.1795,
        lat=39.1700,
        width=0.0066,
        height=0.0044,
        layout=(3, 1),
        compounds=(
            CompoundSpec("湘潭东里", 9, (0,)),
            CompoundSpec("湘潭里", 8, (1,)),
            CompoundSpec("银泰公寓", 4, (2,)),
        ),
        roads=("湘潭道", "西沽南路"),
        weight=1.1,
        property_company="WY-ZJ",
    ),
    CommunitySpec(
        code="JCY",
        name="金辰园社区",
        street="120105004",
        lon=117.2040,
        lat=39.1480,
        width=0.0072,
        height=0.0056,
        layout=(2, 2),
        compounds=(
            CompoundSpec("金辰园", 8, (0, 1)),
            CompoundSpec("金辰里", 5, (1,)),
            CompoundSpec("望海楼东里", 6, (2,)),
            CompoundSpec("宏兴里", 4, (3,)),
            CompoundSpec("海河东里", 4, (3,)),
            CompoundSpec("狮子林里", 3, (2,)),
        ),
        roads=("金纬路", "狮子林大街"),
        weight=1.2,
        meeting_name="红色议事厅",
    ),
    CommunitySpec(
        code="DJL",
        name="丹江里社区",
        street="120105009",
        lon=117.2330,
        lat=39.1640,
        width=0.0052,
        height=0.0040,
        layout=(2, 1),
        compounds=(CompoundSpec("丹江里", 10, (0, 1)), CompoundSpec("月牙河北里", 4, (1,))),
        roads=("丹江路", "金钟河大街"),
        weight=0.9,
    ),
    CommunitySpec(
        code="XYL",
        name="昔阳里社区",
        street="120104010",
        lon=117.1560,
        lat=39.1215,
        width=0.0052,
        height=0.0046,
        layout=(1, 3),
        compounds=(CompoundSpec("昔阳里", 9, (0, 1)), CompoundSpec("泾水园", 6, (2,))),
        roads=("向阳路", "红旗南路"),
        weight=0.8,
        property_company="WY-ZJ",
    ),
    CommunitySpec(
        code="RXWQ",
        name="荣兴温泉公寓社区",
        street="120102005",
        lon=117.2255,
        lat=39.1215,
        width=0.0058,
        height=0.0052,
        layout=(2, 2),
        compounds=(
            CompoundSpec("荣兴温泉公寓", 6, (0, 1)),
            CompoundSpec("大直沽东里", 5, (2,)),
            CompoundSpec("荣兴里", 4, (3,)),
            CompoundSpec("温泉花园", 3, (1, 3)),
        ),
        roads=("大直沽中路", "十一经路"),
        weight=0.9,
    ),
)

GRID_ORDINALS = ("第一网格", "第二网格", "第三网格", "第四网格", "第五网格")


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    kind: str
    phone: str


DEPARTMENTS = (
    DepartmentSpec("CGW", "城管委", "government", "022-23311234"),
    DepartmentSpec("GGGLB", "街道公共管理办", "street", "022-26271100"),
    DepartmentSpec("JDB", "街道办事处", "street", "022-26271000"),
    DepartmentSpec("GS", "自来水公司（供水）", "utility", "022-96655"),
    DepartmentSpec("GR", "供热公司", "utility", "022-23281234"),
    DepartmentSpec("RQ", "燃气公司", "utility", "022-96655-2"),
    DepartmentSpec("GD", "供电公司", "utility", "95598"),
    DepartmentSpec("WY-ZJ", "振军物业", "property", "022-27651188"),
    DepartmentSpec("WY-AJ", "安居物业公司", "property", "022-23456677"),
    DepartmentSpec("PCS", "辖区派出所", "police", "022-110"),
    DepartmentSpec("XFJY", "消防救援站", "other", "022-119"),
    DepartmentSpec("SCJG", "市场监管局（特种设备）", "government", "022-12315"),
    DepartmentSpec("ZJW", "住建委（房屋安全）", "government", "022-23300987"),
    DepartmentSpec("SFS", "司法所（人民调解）", "government", "022-26272233"),
    DepartmentSpec("YLFW", "养老服务驿站", "other", "022-27778899"),
)


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    parent: str | None
    response_minutes: int
    resolution_working_days: int
    department: str | None = None
    requires_verification: bool = False
    is_public: bool = True


def _cat(code, name, parent, response, days, dept=None, verify=False, public=True) -> CategorySpec:
    return CategorySpec(code, name, parent, response, days, dept, verify, public)


CATEGORIES = (
    _cat("SZ", "市政设施", None, 60, 5, "CGW"),
    _cat("SZ-XSD", "下水道堵塞", "SZ", 30, 2, "CGW"),
    _cat("SZ-WS", "污水跑冒", "SZ", 30, 2, "GS"),
    _cat("SZ-LM", "路面破损/未硬化", "SZ", 120, 10, "CGW"),
    _cat("SZ-LD", "路灯", "SZ", 120, 5, "CGW"),
    _cat("SZ-JG", "井盖破损缺失", "SZ", 30, 2, "CGW", True),
    _cat("SZ-WJ", "私搭乱建", "SZ", 120, 10, "CGW"),
    _cat("HJ", "环境卫生", None, 120, 3, "CGW"),
    _cat("HJ-LJ", "垃圾清运", "HJ", 60, 1, "CGW"),
    _cat("HJ-ZW", "楼道杂物", "HJ", 120, 3, "WY-AJ"),
    _cat("HJ-LH", "绿化树木", "HJ", 120, 5, "CGW"),
    _cat("XF", "消防安全", None, 30, 2, "XFJY", True),
    _cat("XF-XFS", "消防栓/消防柜损坏", "XF", 30, 3, "XFJY", True),
    _cat("XF-FX", "飞线充电", "XF", 30, 2, "JDB", True),
    _cat("XF-TD", "消防通道占用", "XF", 30, 1, "PCS", True),
    _cat("FW", "房屋及设施", None, 60, 5, "ZJW"),
    _cat("FW-DT", "电梯故障/多年未更换", "FW", 30, 5, "SCJG", True),
    _cat("FW-LDD", "楼道灯", "FW", 120, 3, "WY-AJ"),
    _cat("FW-LS", "房屋漏水", "FW", 60, 7, "ZJW"),
    _cat("FW-MJ", "单元门/门禁损坏", "FW", 120, 5, "WY-AJ"),
    _cat("GY", "供水供热燃气", None, 30, 2, None),
    _cat("GY-GS", "停水/水压", "GY", 30, 1, "GS"),
    _cat("GY-GR", "供热", "GY", 30, 2, "GR"),
    _cat("GY-RQ", "燃气", "GY", 15, 1, "RQ", True),
    _cat("GY-GD", "停电/线路", "GY", 30, 1, "GD"),
    _cat("JF", "邻里纠纷", None, 120, 5, "SFS"),
    _cat("JF-ZS", "噪音扰民", "JF", 60, 3, "SFS"),
    _cat("JF-SL", "漏水纠纷", "JF", 120, 5, "SFS"),
    _cat("JF-QT", "其他纠纷", "JF", 120, 7, "SFS"),
    _cat("ZA", "治安", None, 30, 3, "PCS"),
    _cat("ZA-DQ", "盗窃", "ZA", 30, 3, "PCS"),
    _cat("ZA-TC", "车辆乱停乱放", "ZA", 60, 2, "PCS"),
    _cat("ZA-ZP", "防诈骗/可疑人员", "ZA", 30, 2, "PCS"),
    _cat("ZL", "助老服务", None, 30, 2, "YLFW", public=False),
    _cat("ZL-JJ", "紧急求助（助救）", "ZL", 10, 1, "YLFW", public=False),
    _cat("ZL-SM", "上门服务（助餐助购助医助洁助行）", "ZL", 60, 3, "YLFW", public=False),
    _cat("ZX", "咨询", None, 120, 3, None),
    _cat("ZX-ZC", "政策咨询", "ZX", 120, 3, None),
    _cat("ZX-JY", "意见建议", "ZX", 120, 10, None),
)


# The fixed demo logins (see the README / the table printed at the end of `linli load_demo`).
FIXED_LOGINS = ("admin", "secadmin", "auditor", "street", "secretary", "grid1", "grid2", "dept", "reporter")

# Surnames for the staff we invent; 湘潭道社区's secretary 李萌 and the courier 徐超 are named in the seeds.
SECRETARIES = {
    "XND": ("secretary", "刘书记"),
    "TXL": ("txl_secretary", "周书记"),
    "WHC": ("whc_secretary", "吴书记"),
    "HBHY": ("hbhy_secretary", "郑书记"),
    "YY": ("yy_secretary", "冯书记"),
    "XTD": ("xtd_secretary", "李萌"),
    "JCY": ("jcy_secretary", "何书记"),
    "DJL": ("djl_secretary", "韩书记"),
    "XYL": ("xyl_secretary", "张书记"),
    "RXWQ": ("rxwq_secretary", "杨书记"),
}

# Grid workers, per community in grid order; 西宁道社区's first two are the fixed logins grid1 and grid2.
GRID_WORKER_SURNAMES = {
    "XND": (
        ("grid1", "王网格员"),
        ("grid2", "李网格员"),
        ("xnd_grid3", "赵网格员"),
        ("xnd_grid4", "孙网格员"),
    ),
    "TXL": (("txl_grid1", "马网格员"), ("txl_grid2", "朱网格员")),
    "WHC": (("whc_grid1", "胡网格员"), ("whc_grid2", "郭网格员"), ("whc_grid3", "林网格员")),
    "HBHY": (("hbhy_grid1", "高网格员"), ("hbhy_grid2", "罗网格员"), ("hbhy_grid3", "梁网格员")),
    "YY": (("yy_grid1", "谢网格员"), ("yy_grid2", "宋网格员"), ("yy_grid3", "唐网格员")),
    "XTD": (("xtd_grid1", "许网格员"), ("xtd_grid2", "邓网格员"), ("xtd_grid3", "曹网格员")),
    "JCY": (
        ("jcy_grid1", "彭网格员"),
        ("jcy_grid2", "曾网格员"),
        ("jcy_grid3", "田网格员"),
        ("jcy_grid4", "董网格员"),
    ),
    "DJL": (("djl_grid1", "潘网格员"), ("djl_grid2", "袁网格员")),
    "XYL": (("xyl_grid1", "蒋网格员"), ("xyl_grid2", "余网格员"), ("xyl_grid3", "杜网格员")),
    "RXWQ": (
        ("rxwq_grid1", "叶网格员"),
        ("rxwq_grid2", "程网格员"),
        ("rxwq_grid3", "魏网格员"),
        ("rxwq_grid4", "苏网格员"),
    ),
}

# Grid leaders: (username, display name, community code) — leads every grid of the community.
GRID_LEADERS = (("gridleader", "陈网格长", "XND"), ("jcy_gridleader", "吕网格长", "JCY"))

STREET_OFFICERS = {
    "120101006": ("street", "南营门街道 赵科长"),
    "120106003": ("xg_street", "西沽街 丁科长"),
    "120106007": ("jyd_street", "芥园道街 任科长"),
    "120105004": ("whl_street", "望海楼街 卢科长"),
    "120105009": ("yyh_street", "月牙河街 姚科长"),
    "120104010": ("xyl_street", "向阳路街 沈科长"),
    "120102005": ("dzg_street", "大直沽街 钟科长"),
}

DEPARTMENT_STAFF = {
    "CGW": ("dept", "城管委 刘科员"),
    "GGGLB": ("dept_gggl", "公共管理办 姜主任"),
    "JDB": ("dept_jdb", "街道办 崔干事"),
    "GS": ("dept_gs", "自来水公司 陈师傅"),
    "GR": ("dept_gr", "供热公司 谭师傅"),
    "RQ": ("dept_rq", "燃气公司 陆师傅"),
    "GD": ("dept_gd", "供电公司 范师傅"),
    "WY-ZJ": ("dept_wyzj", "振军物业 史经理"),
    "WY-AJ": ("dept_wyaj", "安居物业 汪管家"),
    "PCS": ("dept_pcs", "派出所 廖警官"),
    "XFJY": ("dept_xf", "消防救援站 石站长"),
    "SCJG": ("dept_scjg", "市场监管局 金科员"),
    "ZJW": ("dept_zjw", "住建委 韦科员"),
    "SFS": ("dept_sfs", "司法所 贾调解员"),
    "YLFW": ("dept_ylfw", "养老驿站 夏站长"),
}

# Part-time reporters (兼职网格员): couriers and delivery riders. 徐超 is the courier named in the seeds.
REPORTERS = (
    ("reporter", "外卖骑手 孙小哥", "XND", "13920016688"),
    ("xuchao", "快递员 徐超", "XTD", "15822093317"),
    ("jcy_reporter", "外卖骑手 马小哥", "JCY", "18602214576"),
    ("yy_reporter", "快递员 白师傅", "YY", "13512987340"),
    ("txl_reporter", "外卖骑手 邵小哥", "TXL", "17822016935"),
    ("whc_reporter", "快递员 万师傅", "WHC", "15602257718"),
    ("hbhy_reporter", "外卖骑手 武小哥", "HBHY", "18522740916"),
    ("djl_reporter", "快递员 钱师傅", "DJL", "13302198845"),
    ("xyl_reporter", "外卖骑手 戴小哥", "XYL", "19902253367"),
    ("rxwq_reporter", "快递员 严师傅", "RXWQ", "13752016629"),
)

ADMIN = ("admin", "系统管理员")
# 三员分立 (SECURITY.md AC-05): beside the system administrator, the security administrator and the auditor.
SECURITY_ADMIN = ("secadmin", "安全管理员")
AUDITOR = ("auditor", "安全审计员")
