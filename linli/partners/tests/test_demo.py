"""The demo's partners: the seed organisations in the demo communities that exist, once."""

import pytest

from linli.partners.demo import build_demo, delete_demo
from linli.partners.models import Agreement, Partner

pytestmark = pytest.mark.django_db


def test_build_demo_creates_the_seed_partners_once(world, new_case):
    new_case(title="吉利花园1号楼消防柜玻璃破损")
    counts = build_demo()
    # only 西宁道社区 of the demo's communities is in the test world
    assert counts == {
        "partners": 3,
        "contacts": 4,
        "agreements": 3,
        "service_items": 7,
        "service_uses": 5,
        "case_helps": 1,
    }
    names = set(Partner.objects.values_list("name", flat=True))
    assert names == {"邮政储蓄银行石油新村营业所", "爱尔眼科", "贝壳公益手机课堂志愿服务队"}
    post = Partner.objects.get(name="邮政储蓄银行石油新村营业所")
    assert post.case_helps.get().case.title == "吉利花园1号楼消防柜玻璃破损"
    assert Agreement.objects.filter(partner__name="爱尔眼科").count() == 2
    assert build_demo() == dict.fromkeys(counts, 0)
    delete_demo([world.xiningdao])
    assert not Partner.objects.exists()
