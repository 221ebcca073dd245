"""The demo: the 幸福包 from the bank, most handed over, 韩大爷's home delivery pending, winter clothes; run twice
it adds nothing, and its clean-up removes it all, the ledger included."""

import pytest

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment
from linli.charity import demo, services
from linli.charity.models import Donation, HandOver, HomeDelivery, StockItem, StockMovement
from linli.org.models import Community

pytestmark = pytest.mark.django_db


def test_the_demo_builds_once_and_cleans_up(world, registry):
    assert RoleAssignment.objects.filter(role=Role.SECRETARY, community=world.xiningdao).exists()
    counts = demo.build_demo()
    assert counts == {"donations": 2, "distributions": 1, "handovers": 1, "home_deliveries": 1}
    delivery = HomeDelivery.objects.get()
    assert delivery.household == registry.home_a2 and delivery.status == "planned"  # 韩大爷
    assert HandOver.objects.get().household == registry.home_a  # 李秀兰 came and signed
    assert Donation.objects.get(receipt_number=demo.BAGS_RECEIPT).donor_name == demo.BANK
    assert StockItem.objects.get(name="棉衣").quantity == 40
    assert all(services.verify_ledger(item).ok for item in StockItem.objects.all())
    assert demo.build_demo() == {"donations": 0, "distributions": 0, "handovers": 0, "home_deliveries": 0}
    demo.delete_demo(Community.objects.filter(pk=world.xiningdao.pk))
    assert (
        not StockMovement.objects.exists()
        and not Donation.objects.exists()
        and not StockItem.objects.exists()
    )
