"""REST endpoints of the activities app (under /api/v1/), scoped like cases: an activity is visible to the staff
of its community (grids, secretary), its street and administrators; everyone else gets 404."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from linli.core.api import parse_input
from linli.core.errors import InvalidInput
from linli.core.idempotency import idempotent
from linli.core.validators import mask_name, mask_phone
from linli.org.models import Building, Community, Compound
from linli.residents.models import Tag
from linli.residents.selectors import get_resident_for_user, is_handler_here

from . import recurrence, selectors, services
from .choices import ActivityKind, Preset, TargetGroup


class ActivitiesView(GenericAPIView):
    """Staff endpoints: community-side roles only (404 otherwise); answers are never cached."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.may_use_activities(request.user):
            raise Http404

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def page(self, qs, out):
        items = self.paginate_queryset(qs)
        return self.get_paginated_response([out(self.request.user, x) for x in items])


# ---------------------------------------------------------------- output


def activity_out(user, a) -> dict:
    return {
        "id": a.pk,
        "community": a.community_id,
        "title": a.title,
        "kind": a.kind,
        "organiser": a.organiser_id,
        "organiser_name": a.organiser.name if a.organiser_id else None,
        "partners": [p.pk for p in a.partners.all()],
        "place": a.place,
        "building": a.building_id,
        "compound": a.compound_id,
        "starts_at": a.starts_at,
        "duration_minutes": a.duration_minutes,
        "preset": a.preset,
        "rrule": a.rrule,
        "rfc5545": a.rfc5545,
        "schedule": recurrence.describe(a),
        "capacity": a.capacity,
        "waitlist": a.waitlist,
        "target_group": a.target_group,
        "target_tag": a.target_tag.code if a.target_tag_id else None,
        "description": a.description,
        "is_public": a.is_public,
        "is_active": a.is_active,
        "roles": [
            {"id": r.pk, "name": r.name, "needed": r.needed, "skill": r.skill.code if r.skill_id else None}
            for r in a.roles.select_related("skill")
        ],
        "version": a.version,
    }


def occurrence_out(user, o) -> dict:
    body = {
        "id": o.pk,
        "activity": o.activity_id,
        "title": o.activity.title,
        "original_start": o.original_start,
        "starts_at": o.starts_at,
        "ends_at": o.ends_at,
        "status": o.status,
        "skip_reason": o.skip_reason,
        "moved": o.moved,
        "move_reason": o.move_reason,
        "place": o.where,
        "version": o.version,
    }
    for key in ("confirmed", "waiting", "volunteers"):
        if hasattr(o, key):
            body[key] = getattr(o, key)
    if selectors.may_manage(user, o.activity.community_id):
        body["code"] = o.code
    return body


def signup_out(user, s) -> dict:
    if s.resident_id:
        handler = is_handler_here(user, s.resident.household)
    else:  # typed on the H5 page: the organisers see it to take attendance
        handler = selectors.may_manage(user, s.occurrence.activity.community_id)
    phone = s.phone or (s.resident.phone if s.resident_id else "")
    return {
        "id": s.pk,
        "resident": s.resident_id,
        "name": s.name if handler else mask_name(s.name),
        "phone": mask_phone(phone),
        "source": s.source,
        "status": s.status,
        "attendance": s.attendance,
        "created_at": s.created_at,
    }


def volunteer_signup_out(user, vs) -> dict:
    window = services.served_window(vs, vs.occurrence)
    return {
        "id": vs.pk,
        "volunteer": vs.volunteer_id,
        "name": vs.volunteer.name,
        "role": vs.role.name if vs.role_id else None,
        "status": vs.status,
        "walk_in": vs.walk_in,
        "checked_in_at": vs.checked_in_at,
        "checked_out_at": vs.checked_out_at,
        "hours": str(window[2]) if window else None,
        "confirmed_at": vs.confirmed_at,
        "service_record": vs.service_record_id,
    }


# ---------------------------------------------------------------- input


class ActivityRoleIn(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    needed = serializers.IntegerField(min_value=1, max_value=500)
    skill = serializers.CharField(max_length=30, required=False, allow_blank=True, allow_null=True)


class ActivityScheduleIn(serializers.Serializer):
    preset = serializers.ChoiceField(choices=Preset.choices, default=Preset.ONCE)
    day = serializers.IntegerField(min_value=1, max_value=31, required=False, allow_null=True)
    weekday = serializers.IntegerField(min_value=0, max_value=6, required=False, allow_null=True)
    nth = serializers.IntegerField(min_value=-1, max_value=4, required=False, allow_null=True)
    until = serializers.DateField(required=False, allow_null=True)
    count = serializers.IntegerField(min_value=1, max_value=500, required=False, allow_null=True)
    rrule = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ActivityIn(serializers.Serializer):
    community = serializers.IntegerField(required=False)
    title = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=ActivityKind.choices, default=ActivityKind.OTHER)
    organiser = serializers.IntegerField(required=False, allow_null=True)
    partners = serializers.ListField(child=serializers.IntegerField(), required=False)
    place = serializers.CharField(max_length=120, required=False, allow_blank=True)
    building = serializers.IntegerField(required=False, allow_null=True)
    compound = serializers.IntegerField(required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=1440, default=120)
    schedule = ActivityScheduleIn(required=False)
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    waitlist = serializers.BooleanField(default=True)
    target_group = serializers.ChoiceField(choices=TargetGroup.choices, default=TargetGroup.ALL)
    target_tag = serializers.CharField(max_length=30, required=False, allow_blank=True, allow_null=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    is_public = serializers.BooleanField(default=True)
    roles = ActivityRoleIn(many=True, required=False)


class ActivityPatch(ActivityIn):
    version = serializers.IntegerField()
    is_active = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False
                field.default = serializers.empty


def _objects(community, data: dict) -> dict:
    """Ids in the body turned into rows of the community; an id of another community is an invalid input."""
    from linli.partners.models import Partner
    from linli.volunteers.models import Skill, Team

    out = {}

    def one(model, key, qs):
        if key in data:
            pk = data.pop(key)
            if pk is None:
                out[key] = None
                return
            row = qs.filter(pk=pk).first()
            if row is None:
                raise InvalidInput(_("Unknown %(f)s.") % {"f": key}, field=key)
            out[key] = row

    one(Team, "organiser", Team.objects.filter(community=community))
    one(Building, "building", Building.objects.filter(compound__community=community))
    one(Compound, "compound", Compound.objects.filter(community=community))
    if "partners" in data:
        ids = data.pop("partners")
        partners = list(Partner.objects.filter(community=community, pk__in=ids))
        if len(partners) != len(set(ids)):
            raise InvalidInput(_("Unknown partner organisation."), field="partners")
        out["partners"] = partners
    if "target_tag" in data:
        code = data.pop("target_tag")
        out["target_tag"] = Tag.objects.filter(code=code).first() if code else None
        if code and out["target_tag"] is None:
            raise InvalidInput(_("Unknown tag."), field="target_tag")
    if "roles" in data:
        roles = []
        for r in data.pop("roles"):
            skill = None
            if r.get("skill"):
                skill = Skill.objects.filter(code=r["skill"]).first()
                if skill is None:
                    raise InvalidInput(_("Unknown skill."), field="roles")
            roles.append({"name": r["name"], "needed": r["needed"], "skill": skill})
        out["roles"] = roles
    return out


def _community(user, data) -> Community:
    pk = data.pop("community", None) or user.scope.default_community_id()
    community = selectors.communities_for(user).filter(pk=pk).first() if pk else None
    if community is None:
        raise InvalidInput(_("Choose the community."), field="community")
    return community


# ---------------------------------------------------------------- activities


class ActivityList(ActivitiesView):
    serializer_class = ActivityIn

    @extend_schema(
        operation_id="activities_list",
        parameters=[
            OpenApiParameter("community", int),
            OpenApiParameter("kind", str, enum=ActivityKind.values),
            OpenApiParameter("from", str, description="ISO date or datetime: has an occurrence from then"),
            OpenApiParameter("to", str, description="ISO date or datetime: has an occurrence before then"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        p = request.query_params
        kind = p.get("kind", "")
        if kind and kind not in ActivityKind.values:
            raise InvalidInput(_("Unknown kind."), field="kind")
        qs = selectors.activities_for(
            request.user,
            community=_int(p.get("community"), "community"),
            kind=kind,
            start=_moment(p.get("from"), "from"),
            end=_moment(p.get("to"), "to"),
        ).prefetch_related("partners")
        return self.page(qs, activity_out)

    @extend_schema(request=ActivityIn, responses={201: dict})
    def post(self, request):
        def handler():
            data = parse_input(ActivityIn, request)
            community = _community(request.user, data)
            objects = _objects(community, data)
            schedule = data.pop("schedule", None) or {}
            activity = services.activity_create(
                actor=request.user, community=community, request=request, **data, **objects, **schedule
            )
            body = activity_out(request.user, selectors.get_activity_for_user(request.user, activity.pk))
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent(request, scope="activity_create", handler=handler)


def _int(value, field):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(_("Give a number."), field=field) from None


def _moment(value, field):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.utils.dateparse import parse_date, parse_datetime

    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise InvalidInput(_("Give an ISO date such as 2026-12-26."), field=field)
        moment = datetime.combine(day, time(), tzinfo=ZoneInfo("Asia/Shanghai"))
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return moment


class ActivityDetail(ActivitiesView):
    serializer_class = ActivityPatch

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        return Response(activity_out(request.user, selectors.get_activity_for_user(request.user, pk)))

    @extend_schema(request=ActivityPatch, responses={200: dict, 409: dict})
    def patch(self, request, pk: int):
        activity = selectors.get_activity_for_user(request.user, pk)
        data = parse_input(ActivityPatch, request, partial=True)
        data.pop("community", None)
        version = data.pop("version")
        objects = _objects(activity.community, data)
        partners, roles = objects.pop("partners", None), objects.pop("roles", None)
        schedule = data.pop("schedule", None)
        updated = services.activity_update(
            actor=request.user,
            activity=activity,
            version=version,
            partners=partners,
            roles=roles,
            schedule=schedule,
            request=request,
            **data,
            **objects,
        )
        return Response(activity_out(request.user, selectors.get_activity_for_user(request.user, updated.pk)))


class ActivityOccurrences(ActivitiesView):
    @extend_schema(
        parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str)],
        responses={200: dict},
    )
    def get(self, request, pk: int):
        activity = selectors.get_activity_for_user(request.user, pk)
        qs = selectors.with_counts(activity.occurrences.select_related("activity"))
        start, end = (
            _moment(request.query_params.get("from"), "from"),
            _moment(request.query_params.get("to"), "to"),
        )
        if start:
            qs = qs.filter(starts_at__gte=start)
        if end:
            qs = qs.filter(starts_at__lt=end)
        return self.page(qs.order_by("starts_at", "id"), occurrence_out)


class OccurrenceSkipIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(required=False)


class OccurrenceMoveIn(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=120, required=False, allow_blank=True)
    duration_minutes = serializers.IntegerField(min_value=5, max_value=1440, required=False)
    reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(required=False)


def _activity_occurrence(user, pk, occurrence_id):
    occ = selectors.get_occurrence_for_user(user, occurrence_id)
    if occ.activity_id != int(pk):
        raise Http404
    return occ


class OccurrenceSkip(ActivitiesView):
    serializer_class = OccurrenceSkipIn

    @extend_schema(request=OccurrenceSkipIn, responses={200: dict, 409: dict})
    def post(self, request, pk: int, occurrence_id: int):
        occ = _activity_occurrence(request.user, pk, occurrence_id)
        data = parse_input(OccurrenceSkipIn, request)
        occ = services.occurrence_skip(actor=request.user, occurrence=occ, **data)
        return Response(occurrence_out(request.user, occ))


class OccurrenceMove(ActivitiesView):
    serializer_class = OccurrenceMoveIn

    @extend_schema(request=OccurrenceMoveIn, responses={200: dict, 409: dict})
    def post(self, request, pk: int, occurrence_id: int):
        occ = _activity_occurrence(request.user, pk, occurrence_id)
        data = parse_input(OccurrenceMoveIn, request)
        occ = services.occurrence_move(actor=request.user, occurrence=occ, **data)
        return Response(occurrence_out(request.user, occ))


# ---------------------------------------------------------------- sign-ups


class OccurrenceSignupIn(serializers.Serializer):
    resident = serializers.IntegerField()


class OccurrenceSignups(ActivitiesView):
    serializer_class = OccurrenceSignupIn

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        occ = selectors.get_occurrence_for_user(request.user, pk)
        return self.page(selectors.resident_signups(occ), signup_out)

    @extend_schema(request=OccurrenceSignupIn, responses={201: dict, 409: dict})
    def post(self, request, pk: int):
        occ = selectors.get_occurrence_for_user(request.user, pk)

        def handler():
            data = parse_input(OccurrenceSignupIn, request)
            resident = get_resident_for_user(request.user, data["resident"])
            signup = services.signup_for_resident(
                actor=request.user, occurrence=occ, resident=resident, request=request
            )
            return Response(signup_out(request.user, signup), status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"activity_signup:{occ.pk}", handler=handler)


class OccurrenceConfirmIn(serializers.Serializer):
    signups = serializers.ListField(child=serializers.IntegerField(), required=False)


class OccurrenceVolunteers(ActivitiesView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        occ = selectors.get_occurrence_for_user(request.user, pk)
        return self.page(selectors.volunteer_signups(occ), volunteer_signup_out)


class OccurrenceVolunteersConfirm(ActivitiesView):
    serializer_class = OccurrenceConfirmIn

    @extend_schema(
        request=OccurrenceConfirmIn,
        responses={200: dict},
        description="The organiser confirms checked-in volunteers: one confirmed service record per sign-up.",
    )
    def post(self, request, pk: int):
        occ = selectors.get_occurrence_for_user(request.user, pk)
        data = parse_input(OccurrenceConfirmIn, request)
        result = services.attendance_confirm(
            actor=request.user, occurrence=occ, signup_ids=data.get("signups"), request=request
        )
        return Response(
            {"confirmed": result["confirmed"], "skipped": {str(k): v for k, v in result["skipped"].items()}}
        )


urlpatterns = [
    path("activities/", ActivityList.as_view(), name="activities"),
    path("activities/<int:pk>/", ActivityDetail.as_view(), name="activity"),
    path("activities/<int:pk>/occurrences/", ActivityOccurrences.as_view(), name="activity-occurrences"),
    path(
        "activities/<int:pk>/occurrences/<int:occurrence_id>/skip/",
        OccurrenceSkip.as_view(),
        name="occurrence-skip",
    ),
    path(
        "activities/<int:pk>/occurrences/<int:occurrence_id>/move/",
        OccurrenceMove.as_view(),
        name="occurrence-move",
    ),
    path("occurrences/<int:pk>/signups/", OccurrenceSignups.as_view(), name="occurrence-signups"),
    path("occurrences/<int:pk>/volunteers/", OccurrenceVolunteers.as_view(), name="occurrence-volunteers"),
    path(
        "occurrences/<int:pk>/volunteers/confirm/",
        OccurrenceVolunteersConfirm.as_view(),
        name="occurrence-volunteers-confirm",
    ),
]
