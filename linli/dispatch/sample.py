"""A generator of real-looking labelled resident messages (12345-hotline style) in seven first-level classes,
for measuring the classifier honestly when no real history is at hand.

Each message is a greeting, a place (communities, compounds and roads of linli/demo/places.py), one complaint
built from a class's templates and slot words, maybe a side remark that belongs to another class, a request and
some noise (dropped characters, doubled punctuation, spoken fillers).  The classes share vocabulary on purpose —
noise from building sites, shops and factories; parking in compounds and on roads; wages of construction
workers; school buses; clinics and medical insurance — and 3% of the messages are filed under a neighbouring
class, as real hand-offs are.  Generated data still overstates the accuracy on real messages: the templates are
finite, and a model learns them.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator

from linli.demo.places import COMMUNITIES

CLASSES = ("城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生")

# Where real hand-offs blur (a 12345 operator's usual second choice).
NEIGHBOURS = {
    "城乡建设": ("环境保护", "交通运输"),
    "环境保护": ("城乡建设", "卫生计生"),
    "交通运输": ("城乡建设", "商贸旅游"),
    "教育文体": ("劳动和社会保障", "卫生计生"),
    "劳动和社会保障": ("城乡建设", "卫生计生"),
    "商贸旅游": ("环境保护", "卫生计生"),
    "卫生计生": ("劳动和社会保障", "商贸旅游"),
}

SLOTS = {
    "time": (
        "最近",
        "这几天",
        "近一个月",
        "从上周开始",
        "每天晚上",
        "一到周末",
        "今年以来",
        "半年多了",
        "每天早上",
    ),
    "hour": ("凌晨两点", "晚上十点以后", "早上六点", "中午", "深夜", "晚上十一点"),
    "feel": (
        "严重影响休息",
        "居民意见很大",
        "老人孩子受不了",
        "影响正常生活",
        "大家苦不堪言",
        "存在安全隐患",
    ),
    "building": ("楼", "号楼", "栋"),
    "company": (
        "某某公司",
        "一家装修公司",
        "某物流公司",
        "一家餐饮店",
        "某建筑公司",
        "一家培训机构",
        "某家政公司",
    ),
    "shop": ("超市", "饭店", "烧烤店", "理发店", "水果店", "便利店", "早点铺", "健身房", "KTV"),
}

TEMPLATES = {
    "城乡建设": (
        "{time}小区{n}{building}的下水道堵了，污水反到楼道里，物业一直不管",
        "{n}{building}楼顶漏水，{time}下雨家里墙皮都泡掉了，找物业说没有维修基金",
        "小区旁边的工地{hour}还在施工，打桩机噪音很大，{feel}",
        "{road}附近工地夜间施工扰民，没有看到夜间施工许可，{feel}",
        "小区暖气不热，室温只有十几度，供热公司说管道老化",
        "楼道里的声控灯坏了很久，{n}{building}单元门也关不上，物业费照收不修",
        "小区里有人私搭乱建，在一楼院子里盖了个棚子，占用公共绿地",
        "{road}的路面塌陷了一个大坑，旁边井盖也松动了，{feel}",
        "老旧小区改造说好今年开工，到现在也没动静，外墙保温一直没做",
        "小区停车位被物业划给外来车辆收费，业主自己的车没地方停",
        "家里自来水发黄有异味，{time}一直这样，水压也很低",
        "电梯{time}经常停运，{n}{building}住的都是老人，上下楼很困难",
        "物业公司合同到期不退出，小区业委会换届也没人组织",
        "{n}{building}外墙瓷砖脱落，差点砸到人，{feel}",
    ),
    "环境保护": (
        "{road}旁边的{company}{hour}排放刺鼻气味，开窗都不敢，{feel}",
        "小区附近的河道发黑发臭，{time}还有死鱼漂上来",
        "{shop}的油烟直接排到居民楼，没有装油烟净化器，{feel}",
        "附近工厂{hour}机器轰鸣，噪音超标，{feel}",
        "有人在{road}边上焚烧垃圾和树叶，浓烟很大",
        "{shop}门口的空调外机和排风扇噪音太大，{hour}都不停",
        "{road}的渣土车不苫盖，一路撒土扬尘，空气很差",
        "小区周边有人偷倒建筑垃圾，堆了很久没人清理，还有异味",
        "{company}往雨水井里排污水，颜色发黄，下游都是居民区",
        "垃圾分类的桶{time}没人清运，满了溢出来，苍蝇蚊子特别多",
        "汽修店露天喷漆，油漆味很大，{feel}",
        "饭店后厨的污水直接排进河里，河边都是油污",
    ),
    "交通运输": (
        "{road}和{road2}路口的红绿灯坏了，{time}早晚高峰特别堵",
        "{n}路公交车{time}经常不按时发车，等半个小时都不来",
        "{road}上很多车乱停乱放，占了盲道和非机动车道，{feel}",
        "出租车司机拒载还绕路，车费多收了二十多元，要求处理",
        "网约车平台多扣了我的车费，客服一直不给退",
        "学校门口{road}接送孩子的车太多，没有交警疏导，存在安全隐患",
        "{road}施工占道，只剩一条车道，也没有设置绕行提示",
        "小区门口公交站撤了，老人要走很远才能坐车，希望恢复站点",
        "{road}上的共享单车堆满人行道，行人都没法走",
        "地铁站出口没有无障碍电梯，坐轮椅的人出不去",
        "大货车{hour}从{road}经过，路面被压坏，噪音也很大",
        "驾校教练车在小区里练车，{feel}",
        "{road}的停车收费员乱收费，没有票据",
    ),
    "教育文体": (
        "孩子今年上小学，户口在{community}，却被划到很远的学校，希望重新划片",
        "{company}收了学费后跑路了，几十个孩子的课都上不了，要求退费",
        "学校{time}让家长交资料费，没有收据，不知道是否合规",
        "幼儿园老师体罚孩子，孩子回家身上有伤，要求调查",
        "小区的健身器材坏了很久，{feel}，希望文体部门来修",
        "{road}附近的校外培训机构违规在周末上学科类课",
        "社区图书室一直不开门，老年人想看书看报没有地方",
        "学校食堂饭菜质量差，孩子吃了不舒服，要求加强管理",
        "体育场馆不对外开放，说好的免费低收费时段也取消了",
        "孩子学籍转不过来，学校和教育局互相推，已经跑了好几趟",
        "广场舞音响{hour}还在放，声音特别大，{feel}",
        "中考加分政策不清楚，想咨询随迁子女能否在本地报名",
        "校车严重超载，一辆车坐了二十多个孩子",
    ),
    "劳动和社会保障": (
        "{company}拖欠我{n}个月工资，老板一直推脱不给",
        "单位不给缴纳社保，{time}才发现养老保险断缴了",
        "离职后公司不给开离职证明，也不退押金",
        "在工地干了半年活，包工头拖欠工资跑了，要求帮忙追讨",
        "医保报销比例太低，住院花了好几万只报了一点，想咨询政策",
        "失业金申请了{time}还没批下来，也没人告诉原因",
        "退休金计算有误，比同等工龄的人少了不少",
        "公司强制加班不给加班费，{hour}才能下班",
        "灵活就业人员社保怎么交，社区说不清楚，希望给个答复",
        "单位没签劳动合同就辞退了我，要求赔偿",
        "低保申请材料交了{time}，一直没有审批结果",
        "异地就医备案办不下来，在外地看病没法直接结算",
        "工伤认定拖了很久，{company}不配合提供材料",
    ),
    "商贸旅游": (
        "{road}的{shop}卖过期食品，买回家才发现，商家不给退",
        "在{shop}办了会员卡充值，现在店关门了，老板联系不上",
        "{shop}缺斤短两，称明显有问题，要求市场监管部门处理",
        "旅行社组织的旅游团强制购物，不买就被导游甩脸色",
        "网上买的东西有质量问题，商家不给退换，平台也不管",
        "景区门票明码标价不清楚，进去又收了一次费",
        "{shop}占道经营，桌子摆到{road}人行道上，{feel}",
        "菜市场的摊位费涨得太厉害，商户都不干了",
        "{shop}的预付卡退不了钱，店换了老板不认账",
        "酒店预订后取消，平台扣了全部房费，要求退还",
        "{road}的早市{time}太乱，小贩乱喊乱叫，垃圾乱扔",
        "饭店菜价和菜单不一致，结账多收了钱",
        "{shop}{hour}还在用大喇叭搞促销，{feel}",
    ),
    "卫生计生": (
        "{road}附近的小诊所无证行医，还给人输液，存在安全隐患",
        "在医院看病排队太久，挂号很难，医生态度也差",
        "孩子打疫苗预约不上，社区卫生服务中心说没有疫苗",
        "生育登记怎么办理，需要哪些材料，社区说不清楚",
        "{shop}的卫生条件很差，后厨老鼠蟑螂都有，吃了拉肚子",
        "医院收费不合理，做了没必要的检查，要求核实",
        "二孩三孩的育儿补贴怎么申请，想咨询一下",
        "家庭医生签约后从来没上门，老人慢病也没人管",
        "理发店和美容院卫生不达标，工具不消毒",
        "{community}附近出现多例发热病人，希望卫生部门排查",
        "药店卖处方药不要处方，还卖假药",
        "社区卫生服务站{time}经常不开门，老人拿药很不方便",
        "独生子女父母奖励费一直没领到，想咨询怎么办理",
    ),
}

GREETINGS = (
    "",
    "",
    "您好，",
    "你好，",
    "我要反映个问题，",
    "市民来电反映：",
    "来电人称：",
    "您好，我是居民，",
)
INTROS = (
    "{district}{street}{community}",
    "{community}{compound}",
    "{compound}{n}{building}",
    "{road}附近",
    "",
)
REQUESTS = (
    "希望有关部门尽快处理。",
    "请相关部门核实处理。",
    "要求给个答复。",
    "已经反映多次了，一直没解决。",
    "希望尽快解决。",
    "",
    "谢谢！",
    "请帮忙协调。",
    "来电人要求回复。",
)
FILLERS = ("那个", "就是", "嗯", "然后", "反正")


def _places() -> list[dict]:
    from linli.demo.places import DISTRICTS, STREETS

    districts = dict(DISTRICTS)
    streets = {code: (district, name) for code, district, name in STREETS}
    out = []
    for c in COMMUNITIES:
        district_code, street_name = streets.get(c.street, ("", ""))
        for compound in c.compounds or ():
            out.append(
                {
                    "district": districts.get(district_code, ""),
                    "street": street_name,
                    "community": c.name,
                    "compound": compound.name,
                    "roads": c.roads or ("幸福路",),
                }
            )
    return out


def _fill(template: str, rng: random.Random, place: dict) -> str:
    roads = list(place["roads"])
    values = {key: rng.choice(words) for key, words in SLOTS.items()}
    values.update(
        road=rng.choice(roads),
        road2=rng.choice(roads + ["幸福路", "解放路", "南京路"]),
        n=rng.randint(1, 30),
        district=place["district"],
        street=place["street"],
        community=place["community"],
        compound=place["compound"],
    )
    return template.format(**values)


def _noise(text: str, rng: random.Random) -> str:
    if rng.random() < 0.15 and len(text) > 12:  # a dropped character, as typed on a phone
        i = rng.randrange(len(text))
        text = text[:i] + text[i + 1 :]
    if rng.random() < 0.1:
        text = text.replace("，", rng.choice(("，，", " ", ",", "。")), 1)
    if rng.random() < 0.1:
        text = rng.choice(FILLERS) + text
    return text


def message(label: str, rng: random.Random, places: list[dict]) -> tuple[str, str]:
    """(title, body) of one message whose main complaint is of class `label`."""
    place = rng.choice(places)
    core = _fill(rng.choice(TEMPLATES[label]), rng, place)
    intro = _fill(rng.choice(INTROS), rng, place)
    body = rng.choice(GREETINGS) + (intro + "，" if intro else "") + core + "。"
    if rng.random() < 0.2:  # a side remark that belongs to another class
        other = rng.choice([c for c in CLASSES if c != label])
        body += "另外" + _fill(rng.choice(TEMPLATES[other]), rng, place) + "。"
    body += rng.choice(REQUESTS)
    title_core = core.split("，")[0]
    title = (
        title_core[: rng.randint(8, 20)]
        if rng.random() < 0.7
        else rng.choice(("咨询", "投诉", "求助", "反映问题"))
    )
    return _noise(title, rng), _noise(body, rng)


def generate(rows: int, *, seed: int = 7) -> Iterator[dict]:
    """`rows` labelled messages; the class mix is uneven, as real hotline traffic is (城乡建设 most common)."""
    rng = random.Random(seed)
    places = _places()
    weights = (30, 15, 14, 10, 13, 10, 8)
    for i in range(rows):
        label = rng.choices(CLASSES, weights=weights)[0]
        title, body = message(label, rng, places)
        filed = rng.choice(NEIGHBOURS[label]) if rng.random() < 0.03 else label
        yield {"id": i + 1, "title": title, "body": body, "label": filed}


def write_csv(path, rows: int, *, seed: int = 7) -> int:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=["id", "title", "body", "label"])
        writer.writeheader()
        n = 0
        for row in generate(rows, seed=seed):
            writer.writerow(row)
            n += 1
    return n
