"""Safety patrols (巡查): checklists, shops, scheduled rounds, inspections with their results and photos, the
hazards (隐患) they find, and the campaigns (摸清底数) that count them per compound."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .choices import ChecklistKind, HazardStatus, ItemResult, PhotoKind, PlaceKind, ShopKind


def _org_q(scope, *, community: str, grid: str, street: str, compound: str | None = None) -> Q:
    """The org-tree filter of DESIGN.md §4 over rows that carry community, grid and street ids.

    A row without a grid of its own (a compound-wide inspection) belongs to every grid that covers one of the
    compound's buildings."""
    q = Q(pk__in=[])
    if scope.street_ids:
        q |= Q(**{f"{street}__in": scope.street_ids})
    if scope.community_ids:
        q |= Q(**{f"{community}__in": scope.community_ids})
    if scope.grid_ids:
        q |= Q(**{f"{grid}__in": scope.grid_ids})
        if compound is not None:
            from linli.org.models import Building

            q |= Q(
                Exists(Building.objects.filter(compound_id=OuterRef(compound), grid_id__in=scope.grid_ids)),
                **{f"{grid}__isnull": True},
            )
    return q


class ChecklistTemplate(models.Model):
    """A checklist carried out at one kind of place: its items are ticked ok, hazard or not applicable."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=ChecklistKind.choices)
    place_kind = models.CharField(_("carried out at"), max_length=20, choices=PlaceKind.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One thing to check; a failed item becomes a hazard of its category (the kind of case it turns into)."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("text"), max_length=200)
    # What a failure of the item is called ("飞线充电" for "无飞线充电"): the title of its hazard and case.
    finding = models.CharField(_("finding"), max_length=120)
    category = models.ForeignKey(
        "cases.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hazard category"),
    )
    # The code of the category the item was written for: a deployment that loads its categories after the
    # checklists were seeded gets them linked by this code (see services.checklist_link_categories).
    category_code = models.CharField(_("category code"), max_length=30, blank=True)

    class Meta:
        ordering = ["template_id", "order", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text


class ShopQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ShopQuerySet":
        scope = user.scope
        if scope.is_admin:
            return self.all()
        q = Q(pk__in=[])
        if scope.street_ids:
            q |= Q(compound__community__street_id__in=scope.street_ids)
        if scope.community_ids:
            q |= Q(compound__community_id__in=scope.community_ids)
        if scope.grid_ids:
            q |= Q(grid_id__in=scope.grid_ids)
        return self.filter(q)


class Shop(models.Model):
    """商铺: a shop in (or at the edge of) a compound, checked for fire safety like a building."""

    compound = models.ForeignKey(
        "org.Compound", on_delete=models.PROTECT, related_name="shops", verbose_name=_("compound")
    )
    building = models.ForeignKey(
        "org.Building",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shops",
        verbose_name=_("building"),
    )
    # The building's grid, or the grid the shop's point lies in: who patrols it.
    grid = models.ForeignKey(
        "org.Grid", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=ShopKind.choices, default=ShopKind.OTHER)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)

    objects = ShopQuerySet.as_manager()

    class Meta:
        ordering = ["compound_id", "name"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="shop_unique_name")]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.name}"


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CampaignQuerySet":
        scope = user.scope
        if scope.is_admin:
            return self.all()
        return self.filter(
            Q(community_id__in=scope.community_ids)
            | Q(community_id__in=scope.grid_community_ids)
            | Q(community__street_id__in=scope.street_ids)
        )


class Campaign(models.Model):
    """专项排查: a time-boxed sweep of some compounds with some checklists, to know the numbers (摸清底数)."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    templates = models.ManyToManyField(
        ChecklistTemplate, related_name="campaigns", verbose_name=_("checklists")
    )
    compounds = models.ManyToManyField("org.Compound", related_name="+", verbose_name=_("compounds"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class PatrolRoundQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PatrolRoundQuerySet":
        scope = user.scope
        if scope.is_admin:
            return self.all()
        q = Q(assignee_id=user.pk) | Q(community_id__in=scope.community_ids)
        q |= Q(community__street_id__in=scope.street_ids)
        if scope.leader_grid_ids:
            q |= Q(assignee__roles__grid_id__in=scope.leader_grid_ids)
        return self.filter(q).distinct()


class PatrolRound(models.Model):
    """巡查任务: a checklist one person carries out at some places on a schedule (an RFC 5545 RRULE)."""

    title = models.CharField(_("title"), max_length=120)
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("checklist")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="patrol_rounds",
        verbose_name=_("assignee"),
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    rrule = models.CharField(_("schedule (RRULE)"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("campaign"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))

    objects = PatrolRoundQuerySet.as_manager()

    class Meta:
        ordering = ["community_id", "title", "id"]
        verbose_name = _("patrol round")
        verbose_name_plural = _("patrol rounds")

    def __str__(self) -> str:
        return self.title


class RoundPlace(models.Model):
    """A place a round visits: exactly one of a building, a shop or a compound."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="places")
    building = models.ForeignKey(
        "org.Building", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    compound = models.ForeignKey(
        "org.Compound", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(building__isnull=False, shop__isnull=True, compound__isnull=True)
                    | Q(building__isnull=True, shop__isnull=False, compound__isnull=True)
                    | Q(building__isnull=True, shop__isnull=True, compound__isnull=False)
                ),
                name="round_place_exactly_one",
            )
        ]

    def __str__(self) -> str:
        return str(self.building or self.shop or self.compound)


class RoundOccurrence(models.Model):
    """One due date of a round, generated from its schedule; done when each of its places is inspected."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="occurrences")
    due_on = models.DateField(_("due on"), db_index=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("round due date")
        verbose_name_plural = _("round due dates")
        constraints = [models.UniqueConstraint(fields=["round", "due_on"], name="round_occurrence_unique")]

    def __str__(self) -> str:
        return f"{self.round} {self.due_on}"


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "InspectionQuerySet":
        """The one place inspections are scoped (DESIGN.md §4), like cases."""
        scope = user.scope
        if scope.is_admin:
            return self.all()
        q = Q(inspector_id=user.pk) | _org_q(
            scope, community="community_id", grid="grid_id", street="street_id", compound="compound_id"
        )
        return self.filter(q)

    def with_related(self) -> "InspectionQuerySet":
        return self.select_related("template", "inspector", "building", "shop", "compound", "community")


class Inspection(models.Model):
    """巡查记录: one checklist carried out at one place, on a round's due date or ad hoc."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("checklist")
    )
    occurrence = models.ForeignKey(
        RoundOccurrence,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("round due date"),
    )
    place_kind = models.CharField(_("place kind"), max_length=20, choices=PlaceKind.choices)
    building = models.ForeignKey(
        "org.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    shop = models.ForeignKey(
        Shop,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("shop"),
    )
    # Where: denormalised down the org tree so scoping and the campaign figures are indexed filters.
    compound = models.ForeignKey(
        "org.Compound", on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    grid = models.ForeignKey(
        "org.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    street = models.ForeignKey(
        "org.Street", on_delete=models.PROTECT, related_name="+", verbose_name=_("street")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), db_index=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [
            models.Index(fields=["compound", "finished_at"]),
            models.Index(fields=["grid", "finished_at"]),
            models.Index(fields=["community", "finished_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.template} · {self.place}"

    @property
    def place(self):
        return self.building or self.shop or self.compound


class InspectionResult(models.Model):
    """How one checklist item was found: ok, a hazard, or not applicable here, with a note."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    result = models.CharField(_("result"), max_length=10, choices=ItemResult.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["inspection_id", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_unique_item")
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.result}"


class HazardQuerySet(models.QuerySet):
    def visible_to(self, user) -> "HazardQuerySet":
        scope = user.scope
        if scope.is_admin:
            return self.all()
        q = Q(inspection__inspector_id=user.pk) | _org_q(
            scope,
            community="inspection__community_id",
            grid="inspection__grid_id",
            street="inspection__street_id",
            compound="inspection__compound_id",
        )
        return self.filter(q)


class Hazard(models.Model):
    """隐患: a failed checklist item, until it is fixed on the spot or its case is closed."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="hazards", verbose_name=_("inspection")
    )
    result = models.OneToOneField(InspectionResult, on_delete=models.CASCADE, related_name="hazard")
    category = models.ForeignKey(
        "cases.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    description = models.CharField(_("description"), max_length=500)
    status = models.CharField(
        _("status"), max_length=20, choices=HazardStatus.choices, default=HazardStatus.FOUND
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    found_at = models.DateTimeField(_("found at"))
    case_opened_at = models.DateTimeField(_("case opened at"), null=True, blank=True)
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fix_note = models.CharField(_("how it was fixed"), max_length=500, blank=True)

    objects = HazardQuerySet.as_manager()

    class Meta:
        ordering = ["inspection_id", "id"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.description


def _photo_path(instance, filename: str) -> str:
    return f"patrols/{instance.stored_name}"


class InspectionPhoto(models.Model):
    """A photo of an item as found, or of a hazard after its fix: stored under a random name, served only through
    the guarded view, re-encoded without its EXIF location."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    result = models.ForeignKey(InspectionResult, on_delete=models.CASCADE, null=True, related_name="photos")
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, null=True, related_name="after_photos")
    kind = models.CharField(max_length=10, choices=PhotoKind.choices, default=PhotoKind.FOUND)
    stored_name = models.CharField(max_length=60, editable=False)
    file = models.FileField(upload_to=_photo_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
