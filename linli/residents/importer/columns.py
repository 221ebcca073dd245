"""The sheet's columns, the values each accepts, and the limits of an import."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from ..choices import Gender, Occupancy, Relationship, Tenure

SHEET = "居民信息"
HELP_SHEET = "填写说明"

COMPOUND, BUILDING, UNIT, FLOOR, ROOM = "小区", "楼栋", "单元", "楼层", "房号"
TENURE, OCCUPANCY, NAME, GENDER, BIRTH = "住房性质", "居住状态", "姓名", "性别", "出生日期"
ID_NUMBER, PHONE, RELATIONSHIP, MOVED_IN, MOVED_OUT = (
    "身份证号",
    "手机号",
    "与户主关系",
    "入住日期",
    "迁出日期",
)
TAGS, GRADE, NOTES, ADDRESS = "标签", "残疾等级", "备注", "地址"

# The template's columns, in order; 地址 is read when a sheet has it (otherwise the address is composed).
HEADERS = (
    COMPOUND,
    BUILDING,
    UNIT,
    FLOOR,
    ROOM,
    TENURE,
    OCCUPANCY,
    NAME,
    GENDER,
    BIRTH,
    ID_NUMBER,
    PHONE,
    RELATIONSHIP,
    MOVED_IN,
    MOVED_OUT,
    TAGS,
    GRADE,
    NOTES,
)
REQUIRED = (COMPOUND, BUILDING, ROOM, NAME)
KNOWN = (*HEADERS, ADDRESS)
_ORDER = {name: i for i, name in enumerate(KNOWN)}
# Other names offices give the same columns.
ALIASES = {
    "小区名称": COMPOUND,
    "楼号": BUILDING,
    "楼栋号": BUILDING,
    "单元号": UNIT,
    "楼门": UNIT,
    "房间号": ROOM,
    "门牌号": ROOM,
    "户主关系": RELATIONSHIP,
    "与户主的关系": RELATIONSHIP,
    "关系": RELATIONSHIP,
    "出生年月日": BIRTH,
    "身份证号码": ID_NUMBER,
    "公民身份号码": ID_NUMBER,
    "身份证": ID_NUMBER,
    "手机": PHONE,
    "手机号码": PHONE,
    "联系电话": PHONE,
    "电话": PHONE,
    "迁入日期": MOVED_IN,
    "残疾级别": GRADE,
    "住址": ADDRESS,
    "居住地址": ADDRESS,
}

TENURE_VALUES = {"自有": Tenure.OWNER, "租住": Tenure.TENANT, "公房": Tenure.PUBLIC, "其他": Tenure.OTHER}
OCCUPANCY_VALUES = {"居住": Occupancy.OCCUPIED, "空置": Occupancy.VACANT, "季节性": Occupancy.SEASONAL}
GENDER_VALUES = {"男": Gender.MALE, "女": Gender.FEMALE}
RELATIONSHIP_VALUES = {
    "户主": Relationship.HEAD,
    "配偶": Relationship.SPOUSE,
    "子女": Relationship.CHILD,
    "父母": Relationship.PARENT,
    "孙子女": Relationship.GRANDCHILD,
    "兄弟姐妹": Relationship.SIBLING,
    "其他亲属": Relationship.OTHER_RELATIVE,
    "租户": Relationship.TENANT,
    "其他": Relationship.OTHER,
}
# What 户口本 and older registries write for the same relationships; read, never offered.
_RELATIONSHIP_ALIASES = {
    "本人": Relationship.HEAD,
    "妻": Relationship.SPOUSE,
    "妻子": Relationship.SPOUSE,
    "夫": Relationship.SPOUSE,
    "丈夫": Relationship.SPOUSE,
    "子": Relationship.CHILD,
    "女": Relationship.CHILD,
    "儿子": Relationship.CHILD,
    "女儿": Relationship.CHILD,
    "父亲": Relationship.PARENT,
    "母亲": Relationship.PARENT,
    "孙子": Relationship.GRANDCHILD,
    "孙女": Relationship.GRANDCHILD,
    "外孙子": Relationship.GRANDCHILD,
    "外孙女": Relationship.GRANDCHILD,
    "兄弟": Relationship.SIBLING,
    "姐妹": Relationship.SIBLING,
}
_ALIASES_BY_COLUMN = {
    TENURE: {"自住": Tenure.OWNER, "租赁": Tenure.TENANT},
    OCCUPANCY: {"季节性居住": Occupancy.SEASONAL},
    GENDER: {"男性": Gender.MALE, "女性": Gender.FEMALE},
    RELATIONSHIP: _RELATIONSHIP_ALIASES,
}
GRADE_TAG = "canji"  # 残疾等级 is the grade of this tag
TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")

MAX_ROWS = 200_000
HEADER_SEARCH = 10  # the header may follow a title row or two
CHUNK = 900  # bound parameters per IN (...) list: SQLite allows 999
WRITE_BATCH = 1000
MAX_NAME, MAX_ROOM, MAX_UNIT, MAX_NOTES, MAX_GRADE, MAX_ADDRESS = 50, 20, 30, 2000, 20, 200
FLOOR_RANGE = (-10, 200)
_MOBILE_WITH_DASHES = re.compile(r"^1[3-9]\d[- ]?\d{4}[- ]?\d{4}$")
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]")
_HEADER_JUNK = re.compile(r"[\s*＊]|[(（][^)）]*[)）]")
_EXACT_FLOAT = 2**53  # larger integers typed as numbers have lost digits


def _listing(values: Iterable[str]) -> str:
    return "、".join(values)


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
