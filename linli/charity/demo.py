"""The charity of the loaded demo (seed page 000): 邮政储蓄银行石油新村营业所's 30 慈善“幸福包” of winter vegetables
(白菜、土豆) and couplets, handed to the 低保 and 独居老人 households of one community, most of them signed for at the
distribution, and one home delivery still to make for the man who cannot come out in the snow (韩大爷 on the page);
and a second donation, of winter clothes. Safe to run again: what is there already is left alone."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.core.uploads import check_uploads
from linli.org.models import Community
from linli.partners.models import Partner
from linli.residents.models import Resident

from . import services
from .choices import DonorKind
from .models import (
    CharityFile,
    Distribution,
    Donation,
    DonationItem,
    HandOver,
    HomeDelivery,
    Recipient,
    StockItem,
    StockMovement,
)

BANK = "邮政储蓄银行天津滨海新区石油新村营业所"
BAGS_RECEIPT = "DEMO-XFB-0001"
CLOTHES_RECEIPT = "DEMO-DY-0001"
PLAN_NAME = "春节慈善“幸福包”派送"
BAGS = 30
WAITING_SHARE = 10  # one listed household in ten has not come yet (besides the home delivery)
DEFAULT_COMMUNITY = "XND"


def _holder(role: str, **unit) -> User | None:
    row = RoleAssignment.objects.filter(role=role, **unit).select_related("user").order_by("pk").first()
    return row.user if row else None


def _signature(rng: random.Random) -> SimpleUploadedFile:
    """A drawn signature, as the hand-over screen's canvas sends it (strokes on a transparent background)."""
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    x, y = 20, 60
    for _ in range(7):
        nx, ny = x + rng.randint(20, 45), rng.randint(25, 95)
        draw.line([(x, y), (nx, ny)], fill=(25, 25, 25, 255), width=4)
        x, y = nx, ny
    out = io.BytesIO()
    img.save(out, format="PNG")
    return SimpleUploadedFile("signature.png", out.getvalue(), content_type="image/png")


def _place():
    """The partner bank's community if the partners' demo made it one, else 西宁道社区 with the bank named."""
    bank = Partner.objects.filter(Q(name=BANK) | Q(name__contains="石油新村")).order_by("pk").first()
    if bank is not None:
        return bank.community, bank
    return Community.objects.filter(code=DEFAULT_COMMUNITY).first(), None


def _cannot_come(plan: Distribution):
    """The listed household of a man of 60+ named 韩 (the page's 韩大爷), else one with a disabled resident."""
    listed = Recipient.objects.filter(distribution=plan, removed_at__isnull=True).values("household_id")
    people = Resident.objects.current().filter(household_id__in=listed)
    han = people.filter(name__startswith="韩", gender="male").order_by("birth_date", "pk").first()
    if han is None:
        han = (
            people.filter(tag_assignments__tag__code="canji", tag_assignments__removed_at__isnull=True)
            .order_by("birth_date", "pk")
            .first()
        )
    if han is None:
        han = people.order_by("birth_date", "pk").first()
    return han.household if han else None


def _worker_for(household, fallback: User) -> User:
    if household.grid_id:
        return _holder(Role.GRID_WORKER, grid_id=household.grid_id) or fallback
    return fallback


def build_demo() -> dict:
    counts = {"donations": 0, "distributions": 0, "handovers": 0, "home_deliveries": 0}
    community, bank = _place()
    if community is None:
        return counts
    secretary = _holder(Role.SECRETARY, community=community)
    if secretary is None:
        return counts
    rng = random.Random(f"charity-{community.code}")
    today = timezone.localdate()
    with transaction.atomic():
        donation = Donation.objects.filter(community=community, receipt_number=BAGS_RECEIPT).first()
        if donation is None:
            donation = services.donation_receive(
                actor=secretary,
                community=community,
                donor_kind=DonorKind.PARTNER if bank else DonorKind.ORGANISATION,
                partner=bank,
                donor_name="" if bank else BANK,
                received_on=today - timedelta(days=3),
                items=[
                    {
                        "name": "幸福包",
                        "unit": "份",
                        "quantity": BAGS,
                        "unit_value": "80.00",
                        "description": "白菜、土豆等冬季储存蔬菜及春联套装",
                    }
                ],
                receipt_number=BAGS_RECEIPT,
                note="“五社联动”示范项目链接的爱心企业捐赠，专项慰问困难群体、独居或生活不便的老人",
            )
            counts["donations"] += 1
        if not Donation.objects.filter(community=community, receipt_number=CLOTHES_RECEIPT).exists():
            services.donation_receive(
                actor=secretary,
                community=community,
                donor_kind=DonorKind.PERSON,
                donor_name="爱心居民刘女士",
                received_on=today - timedelta(days=10),
                items=[
                    {
                        "name": "棉衣",
                        "unit": "件",
                        "quantity": 40,
                        "unit_value": "120.00",
                        "description": "冬季棉服",
                    },
                    {"name": "棉被", "unit": "床", "quantity": 10, "unit_value": "150.00"},
                ],
                receipt_number=CLOTHES_RECEIPT,
                note="冬衣捐赠，待社区统一发放",
            )
            counts["donations"] += 1

        bags = donation.items.get().stock_item
        if Distribution.objects.filter(community=community, name=PLAN_NAME).exists():
            return counts
        plan = services.distribution_create(
            actor=secretary,
            community=community,
            name=PLAN_NAME,
            stock_item=bags,
            per_household=1,
            rule={"tags": ["dibao", "dujulaoren"]},
            note="低保户、独居老人每户一份；行动不便的送货上门",
        )
        counts["distributions"] += 1
        extra = Recipient.objects.filter(distribution=plan).order_by("id")[BAGS:]
        for row in list(extra):
            services.recipient_remove(
                actor=secretary, distribution=plan, household=row.household, reason="本批30份已满，下批补发"
            )
        plan = services.distribution_approve(actor=secretary, distribution=plan)
        plan = services.distribution_open(actor=secretary, distribution=plan)

        home = _cannot_come(plan)
        if home is not None:
            services.delivery_plan(
                actor=secretary,
                distribution=plan,
                household=home,
                planned_on=today + timedelta(days=1),
                assignee=_worker_for(home, secretary),
                note="低保户、肢体残疾，行动不便，雨雪天不敢出门：社工和志愿者送货上门并送去节日问候",
            )
            counts["home_deliveries"] += 1
        waiting = Recipient.objects.filter(distribution=plan, removed_at__isnull=True).exclude(household=home)
        rows = list(waiting.select_related("household").order_by("id"))
        for row in rows[: len(rows) - len(rows) // WAITING_SHARE]:
            head = Resident.objects.current().filter(household=row.household).order_by("pk").first()
            services.handover_record(
                actor=_worker_for(row.household, secretary),
                distribution=plan,
                household=row.household,
                received_by=head.name if head else "户主",
                proof_kind="signature",
                proof=check_uploads([_signature(rng)], field="signature")[0],
            )
            counts["handovers"] += 1
    return counts


def delete_demo(communities) -> None:
    """Remove the charity rows of the demo's communities (before their households and partners go).

    The ledger is append-only; on PostgreSQL its trigger lets this one transaction delete (see 0002)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL linli.charity_purge = 'demo'")
        in_demo = Q(community__in=communities)
        HomeDelivery.objects.filter(in_demo).delete()
        # The ledger's own delete() refuses; the demo's clean-up is the one place that removes rows.
        StockMovement.objects.filter(in_demo)._raw_delete(StockMovement.objects.db)
        HandOver.objects.filter(in_demo).delete()
        Distribution.objects.filter(in_demo).delete()
        DonationItem.objects.filter(donation__community__in=communities).delete()
        Donation.objects.filter(in_demo).delete()
        StockItem.objects.filter(in_demo).delete()
        files = list(CharityFile.objects.filter(in_demo))
        CharityFile.objects.filter(pk__in=[f.pk for f in files]).delete()
        names = [stored.file.name for stored in files]
        storage = CharityFile._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
