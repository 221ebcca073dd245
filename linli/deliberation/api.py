"""REST endpoints of the deliberation app (under /api/v1/): meetings with their agenda items, decisions and
minutes, and action items. Scoped like cases: an out-of-scope id answers 404."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from linli.accounts.models import User
from linli.cases.models import Case
from linli.core.api import parse_input
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import idempotent
from linli.org.models import Community, Department
from linli.org.selectors import communities_for

from . import selectors, services
from .choices import ActionStatus, MeetingType, Party
from .models import ActionItem, AgendaItem, Attendance, Decision, Meeting, MinutesCorrection

# ---------------------------------------------------------------- output


class ActionItemOut(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    department = serializers.SlugRelatedField(source="owner_department", slug_field="code", read_only=True)
    meeting = serializers.IntegerField(source="decision.meeting_id", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "decision",
            "meeting",
            "community",
            "title",
            "done_definition",
            "owner",
            "owner_name",
            "department",
            "deadline",
            "status",
            "overdue",
            "done_note",
            "done_at",
            "confirmed_at",
            "sent_back_count",
            "version",
        ]

    def get_owner_name(self, obj) -> str:
        return str(obj.owner)

    def get_overdue(self, obj) -> bool:
        return obj.status == ActionStatus.OPEN and obj.deadline < timezone.localdate()


class DecisionOut(serializers.ModelSerializer):
    action_items = ActionItemOut(many=True, read_only=True)
    passed = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "agenda_item",
            "text",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "passed",
            "created_at",
            "action_items",
        ]


class AgendaItemOut(serializers.ModelSerializer):
    cases = serializers.SlugRelatedField(many=True, slug_field="number", read_only=True)
    decisions = DecisionOut(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "order",
            "title",
            "description",
            "source",
            "cases",
            "proposal",
            "figures",
            "discussion",
            "version",
            "decisions",
        ]


class AttendanceOut(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["id", "name", "party", "organisation", "by_qr", "signed_in_at"]


class CorrectionOut(serializers.ModelSerializer):
    class Meta:
        model = MinutesCorrection
        fields = ["id", "agenda_item", "text", "created_at"]


class MeetingOut(serializers.ModelSerializer):
    convenor_name = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "community",
            "type",
            "title",
            "starts_at",
            "place",
            "convenor",
            "convenor_name",
            "invited",
            "status",
            "approved_at",
        ]

    def get_convenor_name(self, obj) -> str:
        return str(obj.convenor)


class MeetingDetailOut(MeetingOut):
    agenda_items = serializers.SerializerMethodField()
    attendances = AttendanceOut(many=True, read_only=True)
    corrections = CorrectionOut(many=True, read_only=True)
    quorum = serializers.SerializerMethodField()

    class Meta(MeetingOut.Meta):
        fields = [*MeetingOut.Meta.fields, "quorum", "attendances", "agenda_items", "corrections"]

    def get_agenda_items(self, obj) -> list[dict]:
        return AgendaItemOut(selectors.meeting_minutes(obj), many=True).data

    def get_quorum(self, obj) -> dict:
        quorum = services.meeting_quorum(obj)
        quorum.pop("missing_labels")
        return quorum


def _meeting_body(meeting: Meeting) -> dict:
    return MeetingDetailOut(Meeting.objects.get(pk=meeting.pk)).data


# ---------------------------------------------------------------- input


class MeetingIn(serializers.Serializer):
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    type = serializers.ChoiceField(choices=MeetingType.choices)
    title = serializers.CharField(max_length=120)
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    invited = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        default=list,
        help_text="party codes: " + ", ".join(Party.values),
    )


class AgendaItemIn(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    figures = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    cases = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="case ids"
    )


class AgendaItemEditIn(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    figures = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    discussion = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class ActionItemIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    deadline = serializers.DateField()
    done_definition = serializers.CharField(max_length=2000)


class DecisionIn(serializers.Serializer):
    agenda_item = serializers.IntegerField()
    text = serializers.CharField(max_length=5000)
    votes_for = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    votes_against = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    votes_abstain = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    action_items = ActionItemIn(many=True, required=False, default=list)


class DoneIn(serializers.Serializer):
    note = serializers.CharField(max_length=5000)
    version = serializers.IntegerField(min_value=1, required=False)


class ReviewIn(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, required=False)


# ---------------------------------------------------------------- views


class MeetingListCreate(ListAPIView):
    serializer_class = MeetingOut

    def get_queryset(self):
        return selectors.meetings_for(self.request.user).order_by("-starts_at", "-id")

    @extend_schema(request=MeetingIn, responses={201: MeetingDetailOut})
    def post(self, request):
        def handler():
            data = parse_input(MeetingIn, request)
            community = communities_for(request.user).filter(pk=data["community"].pk).first()
            if community is None:
                raise InvalidInput(_("This community is outside your area."), field="community")
            data["community"] = community
            meeting = services.meeting_create(actor=request.user, **data)
            return Response(_meeting_body(meeting), status=status.HTTP_201_CREATED)

        return idempotent(request, scope="meeting_create", handler=handler)


class MeetingDetail(GenericAPIView):
    serializer_class = MeetingDetailOut

    def get(self, request, pk: int):
        return Response(_meeting_body(selectors.get_meeting_for_user(request.user, pk)))


class MeetingAgendaItems(GenericAPIView):
    serializer_class = AgendaItemOut

    def get(self, request, pk: int):
        meeting = selectors.get_meeting_for_user(request.user, pk)
        return Response(AgendaItemOut(selectors.meeting_minutes(meeting), many=True).data)

    @extend_schema(request=AgendaItemIn, responses={201: AgendaItemOut})
    def post(self, request, pk: int):
        meeting = selectors.get_meeting_for_user(request.user, pk)

        def handler():
            data = parse_input(AgendaItemIn, request)
            ids = set(data.pop("cases"))
            cases = list(Case.objects.visible_to(request.user).filter(pk__in=ids))
            if len(cases) != len(ids):
                raise InvalidInput(_("A case was not found in your area."), field="cases")
            item = services.agenda_item_add(
                meeting=meeting, actor=request.user, cases=cases, source="case" if cases else "typed", **data
            )
            return Response(AgendaItemOut(item).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"agenda_item:{meeting.pk}", handler=handler)


class MeetingAgendaItemEdit(GenericAPIView):
    serializer_class = AgendaItemOut

    @extend_schema(request=AgendaItemEditIn, responses={200: AgendaItemOut, 409: dict})
    def patch(self, request, pk: int, item_pk: int):
        meeting = selectors.get_meeting_for_user(request.user, pk)
        item = selectors.get_agenda_item_for_user(request.user, meeting, item_pk)
        data = parse_input(AgendaItemEditIn, request)
        try:
            item = services.agenda_item_update(item=item, actor=request.user, **data)
        except Conflict as exc:
            if exc.code != "stale_version":
                raise
            # The item as it is now comes with the 409, so the editor can merge and retry (RE-02).
            current = selectors.get_agenda_item_for_user(request.user, meeting, item_pk)
            body = {"code": exc.code, "message": str(exc.message), "field": exc.field}
            body["agenda_item"] = AgendaItemOut(current).data
            return Response(body, status=409)
        return Response(AgendaItemOut(item).data)


class MeetingDecisions(GenericAPIView):
    serializer_class = DecisionOut

    def get(self, request, pk: int):
        meeting = selectors.get_meeting_for_user(request.user, pk)
        decisions = meeting.decisions.prefetch_related(
            "action_items__owner", "action_items__owner_department"
        )
        return Response(DecisionOut(decisions, many=True).data)

    @extend_schema(request=DecisionIn, responses={201: DecisionOut})
    def post(self, request, pk: int):
        meeting = selectors.get_meeting_for_user(request.user, pk)

        def handler():
            data = parse_input(DecisionIn, request)
            item = meeting.agenda_items.filter(pk=data.pop("agenda_item")).first()
            if item is None:
                raise InvalidInput(_("No such agenda item in this meeting."), field="agenda_item")
            actions = [dict(a) for a in data.pop("action_items")]
            decision = services.decision_record(item=item, actor=request.user, action_items=actions, **data)
            return Response(DecisionOut(decision).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"decision:{meeting.pk}", handler=handler)


class MeetingApprove(GenericAPIView):
    serializer_class = MeetingDetailOut

    @extend_schema(request=None, responses={200: MeetingDetailOut, 409: dict})
    def post(self, request, pk: int):
        meeting = selectors.get_meeting_for_user(request.user, pk)
        meeting = services.minutes_approve(meeting=meeting, actor=request.user, request=request)
        return Response(_meeting_body(meeting))


class ActionItemList(ListAPIView):
    serializer_class = ActionItemOut

    def get_queryset(self):
        qs = ActionItem.objects.visible_to(self.request.user).with_related().order_by("deadline", "id")
        params = self.request.query_params
        if value := params.get("status"):
            statuses = [s for s in value.split(",") if s]
            bad = [s for s in statuses if s not in ActionStatus.values]
            if bad:
                raise InvalidInput(_("Unknown status: %(s)s") % {"s": ", ".join(bad)}, field="status")
            qs = qs.filter(status__in=statuses)
        for name, narrow in (
            ("open", lambda q: q.open()),
            ("overdue", lambda q: q.overdue(timezone.localdate())),
        ):
            if value := params.get(name):
                if value.lower() in ("1", "true", "yes"):
                    qs = narrow(qs)
                elif value.lower() not in ("0", "false", "no"):
                    raise InvalidInput(_("%(f)s must be true or false.") % {"f": name}, field=name)
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="comma-separated: open, done, confirmed"),
            OpenApiParameter("open", bool, description="not yet closed out"),
            OpenApiParameter("overdue", bool, description="open and past the deadline"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _ActionItemStep(GenericAPIView):
    serializer_class = ActionItemOut
    input_class: type[serializers.Serializer] = ReviewIn

    def call(self, item, request, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk: int):
        item = selectors.get_action_item_for_user(request.user, pk)
        data = parse_input(self.input_class, request)
        item = self.call(item, request, data)
        return Response(ActionItemOut(ActionItem.objects.with_related().get(pk=item.pk)).data)


class ActionItemDone(_ActionItemStep):
    input_class = DoneIn

    @extend_schema(request=DoneIn, responses={200: ActionItemOut, 409: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def call(self, item, request, data):
        return services.action_item_done(item=item, actor=request.user, **data)


class ActionItemConfirm(_ActionItemStep):
    @extend_schema(request=ReviewIn, responses={200: ActionItemOut, 409: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def call(self, item, request, data):
        return services.action_item_confirm(item=item, actor=request.user, request=request, **data)


class ActionItemReopen(_ActionItemStep):
    """Send an item reported done back to its owner."""

    @extend_schema(request=ReviewIn, responses={200: ActionItemOut, 409: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def call(self, item, request, data):
        return services.action_item_send_back(item=item, actor=request.user, request=request, **data)


urlpatterns = [
    path("meetings/", MeetingListCreate.as_view(), name="meetings"),
    path("meetings/<int:pk>/", MeetingDetail.as_view(), name="meeting"),
    path("meetings/<int:pk>/agenda-items/", MeetingAgendaItems.as_view(), name="meeting-agenda-items"),
    path(
        "meetings/<int:pk>/agenda-items/<int:item_pk>/",
        MeetingAgendaItemEdit.as_view(),
        name="meeting-agenda-item",
    ),
    path("meetings/<int:pk>/decisions/", MeetingDecisions.as_view(), name="meeting-decisions"),
    path("meetings/<int:pk>/approve/", MeetingApprove.as_view(), name="meeting-approve"),
    path("action-items/", ActionItemList.as_view(), name="action-items"),
    path("action-items/<int:pk>/done/", ActionItemDone.as_view(), name="action-item-done"),
    path("action-items/<int:pk>/confirm/", ActionItemConfirm.as_view(), name="action-item-confirm"),
    path("action-items/<int:pk>/reopen/", ActionItemReopen.as_view(), name="action-item-reopen"),
]
