"""Activity pages: the staff's lists, forms, occurrence page and calendars; the residents' H5 page and .ics feed
(public, no sign-in, no personal data); the volunteers' phone pages (signed in as a volunteer)."""

from __future__ import annotations

from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError, InvalidInput
from linli.core.files import serve_stored_file
from linli.core.ratelimit import by_post, rate_limit
from linli.core.uploads import check_uploads
from linli.core.validators import mask_name, mask_phone
from linli.org.models import Community, Compound
from linli.residents.models import Household, Resident, Tag
from linli.residents.selectors import get_resident_for_user, is_handler_here, tag_filter_q

from . import recurrence, selectors, services, tokens
from .choices import ActivityKind, CheckMethod, HomeVisitStatus, Preset, VolunteerSignupStatus
from .forms import ActivityForm, CodeForm, MoveForm, PublicSignupForm, SkipForm
from .ics import community_feed
from .models import LOCAL_TZ, Occurrence, VolunteerRole, VolunteerSignup

TZ = ZoneInfo(LOCAL_TZ)


def staff_page(view):
    """Signed in as community-side staff (404 otherwise), never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_use_activities(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def volunteer_page(view):
    """The volunteers app's `volunteer_required` (it sets request.volunteer), looked up when the page is asked."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        from linli.volunteers.auth import volunteer_required

        return volunteer_required(view)(request, *args, **kwargs)

    return never_cache(wrapped)


def _error(request, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


def _form_error(request, form, exc: DomainError) -> None:
    """A service's refusal shown at its field when the form has it, else as a message."""
    if exc.field in form.fields:
        form.add_error(exc.field, str(exc.message))
    else:
        _error(request, exc)


# ---------------------------------------------------------------- staff: activities


def _community_choice(request):
    communities = list(selectors.communities_for(request.user))
    wanted = request.GET.get("community") or request.POST.get("community")
    chosen = next((c for c in communities if str(c.pk) == str(wanted)), None)
    if chosen is None:
        default = request.user.scope.default_community_id()
        chosen = next((c for c in communities if c.pk == default), communities[0] if communities else None)
    return communities, chosen


@staff_page
def activity_list(request):
    user = request.user
    communities, community = _community_choice(request)
    kind = request.GET.get("kind", "")
    qs = selectors.activities_for(user, community=community.pk if community else None, kind=kind)
    now = timezone.now()
    upcoming = selectors.with_counts(
        selectors.occurrences_for(user, community=community.pk if community else None, start=now)
    )[:30]
    rows = [{"activity": a, "schedule": recurrence.describe(a)} for a in qs[:200]]
    context = {
        "communities": communities,
        "community": community,
        "rows": rows,
        "upcoming": upcoming,
        "kinds": ActivityKind.choices,
        "kind": kind,
        "may_manage": bool(community and selectors.may_manage(user, community.pk)),
    }
    return render(request, "activities/list.html", context)


def _form_for(request, community, data=None, initial=None):
    from linli.partners.models import Partner
    from linli.volunteers.models import Skill, Team

    return ActivityForm(
        data,
        initial=initial,
        teams=Team.objects.filter(community=community, is_active=True),
        partners=Partner.objects.filter(community=community, is_active=True),
        compounds=Compound.objects.filter(community=community).order_by("name"),
        tags=Tag.objects.all(),
        skills=Skill.objects.all(),
    )


def _form_objects(form, community) -> dict:
    """Turn the form's ids into objects of the community (ids of another community are dropped)."""
    from linli.partners.models import Partner
    from linli.volunteers.models import Team

    d = form.cleaned_data
    return {
        "organiser": Team.objects.filter(community=community, pk=d["organiser"]).first()
        if d["organiser"]
        else None,
        "partners": list(Partner.objects.filter(community=community, pk__in=d["partners"] or [])),
        "compound": Compound.objects.filter(community=community, pk=d["compound"]).first()
        if d["compound"]
        else None,
        "target_tag": Tag.objects.filter(pk=d["target_tag"]).first() if d["target_tag"] else None,
    }


@staff_page
def activity_new(request):
    user = request.user
    communities, community = _community_choice(request)
    if community is None or not selectors.may_manage(user, community.pk):
        raise Http404
    form = _form_for(request, community, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.activity_create(
                actor=user,
                community=community,
                title=d["title"],
                kind=d["kind"],
                place=d["place"],
                starts_at=form.starts_at(),
                duration_minutes=d["duration_minutes"],
                capacity=d["capacity"],
                waitlist=d["waitlist"],
                target_group=d["target_group"],
                description=d["description"],
                is_public=d["is_public"],
                roles=d["roles"],
                request=request,
                **form.schedule(),
                **_form_objects(form, community),
            )
        except DomainError as exc:
            _form_error(request, form, exc)
        else:
            messages.success(request, _("The activity is saved."))
            return redirect("activities:detail", activity.pk)
    return render(
        request,
        "activities/form.html",
        {"form": form, "community": community, "communities": communities, "activity": None},
    )


@staff_page
def activity_detail(request, pk: int):
    user = request.user
    activity = selectors.get_activity_for_user(user, pk)
    now = timezone.now()
    occurrences = selectors.with_counts(
        activity.occurrences.filter(ends_at__gte=now - timezone.timedelta(days=31))
    )
    context = {
        "activity": activity,
        "schedule": recurrence.describe(activity),
        "rfc5545": activity.rfc5545,
        "roles": activity.roles.select_related("skill"),
        "occurrences": occurrences[:60],
        "may_manage": selectors.may_manage(user, activity.community_id),
    }
    return render(request, "activities/detail.html", context)


@staff_page
def activity_edit(request, pk: int):
    user = request.user
    activity = selectors.get_activity_for_user(user, pk)
    if not selectors.may_manage(user, activity.community_id):
        raise Http404
    community = activity.community
    first = activity.starts_at.astimezone(TZ)
    params = recurrence.rule_params(activity.rrule, activity.tzid)
    initial = {
        "title": activity.title,
        "kind": activity.kind,
        "organiser": activity.organiser_id,
        "partners": [p.pk for p in activity.partners.all()],
        "place": activity.place,
        "compound": activity.compound_id,
        "start_date": first.date(),
        "start_time": first.time().replace(second=0, microsecond=0),
        "duration_minutes": activity.duration_minutes,
        "preset": activity.preset if activity.preset in Preset.values else Preset.ONCE,
        "capacity": activity.capacity,
        "waitlist": activity.waitlist,
        "target_group": activity.target_group,
        "target_tag": activity.target_tag_id,
        "description": activity.description,
        "is_public": activity.is_public,
        "roles": "\n".join(
            f"{r.name}, {r.needed}" + (f", {r.skill.code}" if r.skill_id else "")
            for r in activity.roles.select_related("skill")
        ),
        **params,
    }
    form = _form_for(request, community, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        objects = _form_objects(form, community)
        partners = objects.pop("partners")
        try:
            services.activity_update(
                actor=user,
                activity=activity,
                version=int(request.POST.get("version") or 0),
                partners=partners,
                roles=d["roles"],
                schedule=form.schedule(),
                request=request,
                title=d["title"],
                kind=d["kind"],
                place=d["place"],
                starts_at=form.starts_at(),
                duration_minutes=d["duration_minutes"],
                capacity=d["capacity"],
                waitlist=d["waitlist"],
                target_group=d["target_group"],
                description=d["description"],
                is_public=d["is_public"],
                **objects,
            )
        except DomainError as exc:
            _form_error(request, form, exc)
        else:
            messages.success(request, _("The activity is saved."))
            return redirect("activities:detail", activity.pk)
    return render(
        request, "activities/form.html", {"form": form, "community": community, "activity": activity}
    )


# ---------------------------------------------------------------- staff: an occurrence


def _occurrence_context(request, occ: Occurrence) -> dict:
    user = request.user
    manage = selectors.may_manage(user, occ.activity.community_id)
    signups = []
    for s in selectors.resident_signups(occ):
        # A registered resident's name follows the registry's masking; a name typed on the H5 page is for the
        # organisers (the community's staff) to take attendance.
        handler = is_handler_here(user, s.resident.household) if s.resident_id else manage
        phone = s.phone or (s.resident.phone if s.resident_id else "")
        signups.append(
            {"signup": s, "name": s.name if handler else mask_name(s.name), "phone": mask_phone(phone)}
        )
    vols = []
    for vs in selectors.volunteer_signups(occ):
        window = services.served_window(vs, occ)
        vols.append({"signup": vs, "hours": window[2] if window else None})
    visits = []
    for v in selectors.home_visits_for(user, occ):
        handler = is_handler_here(user, v.household)
        name = v.resident.name if v.resident_id else ""
        visits.append({"visit": v, "name": name if handler else mask_name(name)})
    from linli.volunteers.models import Volunteer

    return {
        "occ": occ,
        "activity": occ.activity,
        "may_manage": manage,
        "signups": signups,
        "volunteers": vols,
        "visits": visits,
        "photos": occ.photos.all(),
        "roles": occ.activity.roles.all(),
        "home_kind": occ.activity.kind in services.HOME_KINDS,
        "tags": Tag.objects.filter(code__in=["dujulaoren", "shineng", "banshineng", "canji", "gaoling"]),
        "community_volunteers": Volunteer.objects.filter(community=occ.activity.community, is_active=True)[
            :300
        ]
        if manage
        else [],
        "qr": tokens.qr_svg(occ) if manage else "",
        "skip_form": SkipForm(),
        "move_form": MoveForm(),
        "messages_count": occ.messages.count(),
    }


@staff_page
def occurrence_detail(request, pk: int):
    occ = selectors.get_occurrence_for_user(request.user, pk)
    return render(request, "activities/occurrence.html", _occurrence_context(request, occ))


@staff_page
def occurrence_qr(request, pk: int):
    """A printable page with the occurrence's QR code and 6-digit code, to put up at the entrance."""
    occ = selectors.get_occurrence_for_user(request.user, pk)
    if not selectors.may_manage(request.user, occ.activity.community_id):
        raise Http404
    context = {"occ": occ, "qr": tokens.qr_svg(occ, scale=8)}
    return render(request, "activities/qr.html", context)


def _occurrence_action(view):
    """POST on an occurrence: fetch it through the viewer's scope, turn domain errors into messages."""

    @wraps(view)
    def wrapped(request, pk: int, *args, **kwargs):
        occ = selectors.get_occurrence_for_user(request.user, pk)
        try:
            view(request, occ, *args, **kwargs)
        except DomainError as exc:
            _error(request, exc)
        return redirect("activities:occurrence", occ.pk)

    return staff_page(require_POST(wrapped))


@_occurrence_action
def occurrence_skip(request, occ):
    form = SkipForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Say why this occurrence is skipped."), field="reason")
    services.occurrence_skip(
        actor=request.user,
        occurrence=occ,
        reason=form.cleaned_data["reason"],
        version=request.POST.get("version"),
    )
    messages.success(request, _("The occurrence is skipped; everyone signed up is told."))


@_occurrence_action
def occurrence_move(request, occ):
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Enter the new date, time and a reason."), field="starts_at")
    services.occurrence_move(
        actor=request.user,
        occurrence=occ,
        starts_at=form.starts_at(),
        place=form.cleaned_data["place"],
        reason=form.cleaned_data["reason"],
        version=request.POST.get("version"),
    )
    messages.success(request, _("The occurrence is moved; everyone signed up is told."))


@_occurrence_action
def signup_add(request, occ):
    resident = get_resident_for_user(request.user, request.POST.get("resident") or 0)
    signup = services.signup_for_resident(
        actor=request.user, occurrence=occ, resident=resident, request=request
    )
    if signup.status == "waitlisted":
        messages.warning(request, _("All places are taken: the resident is on the waiting list."))
    else:
        messages.success(request, _("The resident is signed up."))


@_occurrence_action
def signup_cancel(request, occ, signup_id: int):
    signup = get_object_or_404(occ.signups, pk=signup_id)
    services.signup_cancel(actor=request.user, signup=signup, request=request)
    messages.success(request, _("The sign-up is cancelled."))


@_occurrence_action
def attendance(request, occ):
    count = services.attendance_take(
        actor=request.user, occurrence=occ, present=request.POST.getlist("present")
    )
    messages.success(request, _("Attendance is saved: %(n)d present.") % {"n": count})


@_occurrence_action
def photos_add(request, occ):
    uploads = check_uploads(request.FILES.getlist("photos"))
    services.photos_add(actor=request.user, occurrence=occ, uploads=uploads)
    messages.success(request, _("The photos are added."))


def _community_volunteer(occ, pk):
    from linli.volunteers.models import Volunteer

    try:
        return Volunteer.objects.get(pk=int(pk), community=occ.activity.community)
    except (Volunteer.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(_("Choose a volunteer of the community."), field="volunteer") from None


def _role(occ, pk):
    if not pk:
        return None
    return get_object_or_404(VolunteerRole, pk=pk, activity=occ.activity)


@_occurrence_action
def walk_in(request, occ):
    volunteer = _community_volunteer(occ, request.POST.get("volunteer"))
    services.walk_in_accept(
        actor=request.user, occurrence=occ, volunteer=volunteer, role=_role(occ, request.POST.get("role"))
    )
    messages.success(request, _("The walk-in volunteer is checked in."))


@_occurrence_action
def confirm(request, occ):
    ids = request.POST.getlist("signup") or None
    result = services.attendance_confirm(actor=request.user, occurrence=occ, signup_ids=ids, request=request)
    messages.success(
        request,
        _("%(n)d volunteers confirmed; %(m)d not (no check-in, still running, or already confirmed).")
        % {"n": len(result["confirmed"]), "m": len(result["skipped"])},
    )


@_occurrence_action
def home_visits_add(request, occ):
    user = request.user
    residents = Resident.objects.visible_to(user).current().filter(community=occ.activity.community)
    tag = request.POST.get("tag", "")
    ids = [i for i in request.POST.get("residents", "").replace("，", ",").split(",") if i.strip().isdigit()]
    if tag:
        chosen = list(residents.filter(tag_filter_q(user, tag)).select_related("household"))
    else:
        chosen = list(residents.filter(pk__in=ids).select_related("household"))
    households = []
    hh_ids = [i for i in request.POST.get("households", "").split(",") if i.strip().isdigit()]
    if hh_ids:
        households = list(Household.objects.visible_to(user).filter(pk__in=hh_ids))
    volunteer = (
        _community_volunteer(occ, request.POST["volunteer"]) if request.POST.get("volunteer") else None
    )
    created = services.home_visits_generate(
        actor=user,
        occurrence=occ,
        residents=chosen,
        households=households,
        volunteer=volunteer,
        request=request,
    )
    messages.success(request, _("%(n)d home visits added.") % {"n": len(created)})


@_occurrence_action
def home_visit_update(request, occ, visit_id: int):
    visit = selectors.get_home_visit_for_user(request.user, visit_id)
    if visit.occurrence_id != occ.pk:
        raise Http404
    if request.POST.get("action") == "done":
        services.home_visit_done(visit=visit, actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("The visit is marked done."))
    else:
        volunteer = (
            _community_volunteer(occ, request.POST.get("volunteer"))
            if request.POST.get("volunteer")
            else None
        )
        services.home_visit_assign(actor=request.user, visit=visit, volunteer=volunteer)
        messages.success(request, _("The visit is assigned."))


@staff_page
def photo(request, uuid):
    return serve_stored_file(request, selectors.get_photo_for_user(request.user, uuid))


# ---------------------------------------------------------------- calendars


def _month_context(request, occurrences, first):
    return {
        "first": first,
        "weeks": selectors.month_weeks(first, occurrences),
        "prev": selectors.shift_month(first, -1).strftime("%Y-%m"),
        "next": selectors.shift_month(first, 1).strftime("%Y-%m"),
    }


@staff_page
def calendar_month(request):
    communities, community = _community_choice(request)
    if community is None:
        raise Http404
    first = selectors.parse_month(request.GET.get("month"))
    start, end = selectors.month_bounds(first)
    occ = selectors.occurrences_for(request.user, community=community.pk, start=start, end=end)
    context = {"communities": communities, "community": community, **_month_context(request, occ, first)}
    return render(request, "activities/calendar.html", context)


@staff_page
def calendar_street(request):
    user = request.user
    streets = list(selectors.streets_for(user))
    wanted = request.GET.get("street")
    street = next((s for s in streets if str(s.pk) == str(wanted)), streets[0] if streets else None)
    if street is None:
        raise Http404
    first = selectors.parse_month(request.GET.get("month"))
    start, end = selectors.month_bounds(first)
    occ = selectors.occurrences_for(user, street=street.pk, start=start, end=end)
    context = {"streets": streets, "street": street, **_month_context(request, occ, first)}
    return render(request, "activities/calendar_street.html", context)


# ---------------------------------------------------------------- public: the H5 page and the feed


def _public_community(code: str) -> Community:
    return get_object_or_404(Community, code=code)


@rate_limit("activities-public-list", "600/h", methods=None)
def public_list(request, code: str):
    community = _public_community(code)
    rows = [
        {"occ": o, "full": o.activity.capacity is not None and o.confirmed >= o.activity.capacity}
        for o in selectors.public_occurrences(community)
    ]
    return render(request, "activities/public_list.html", {"community": community, "rows": rows})


@rate_limit("activities-public-signup", getattr(settings, "LINLI_ACTIVITIES_SIGNUP_RATE", "10/h"))
@rate_limit("activities-public-signup-phone", "5/d", key=by_post("phone"))
def public_signup(request, code: str, pk: int):
    community = _public_community(code)
    occ = get_object_or_404(selectors.public_occurrences(community), pk=pk)
    form = PublicSignupForm(request.POST or None)
    done = None
    if request.method == "POST" and form.is_valid():
        try:
            done = services.signup_public(
                occurrence=occ,
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    context = {
        "community": community,
        "occ": occ,
        "form": form,
        "done": done,
        "masked_phone": mask_phone(done.phone) if done else "",
        "full": occ.activity.capacity is not None and occ.confirmed >= occ.activity.capacity,
    }
    return render(request, "activities/public_signup.html", context)


@rate_limit("activities-ics", "600/h", methods=None)
def ics_feed(request, code: str):
    community = _public_community(code)
    response = HttpResponse(
        community_feed(community, request=request), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{community.code}.ics"'
    return response


# ---------------------------------------------------------------- volunteers on their phone


@volunteer_page
def v_home(request):
    volunteer = request.volunteer
    mine = {s.occurrence_id: s for s in selectors.signups_of(volunteer)}
    open_rows = [{"occ": o, "signup": mine.get(o.pk)} for o in selectors.open_for_volunteer(volunteer)]
    context = {
        "volunteer": volunteer,
        "open_rows": open_rows,
        "signups": [s for s in mine.values() if s.status == VolunteerSignupStatus.SIGNED_UP][:30],
        "visits": selectors.home_visits_of(volunteer).filter(status=HomeVisitStatus.PLANNED),
        "code_form": CodeForm(),
    }
    return render(request, "activities/v_home.html", context)


def _volunteer_occurrence(volunteer, pk) -> Occurrence:
    return get_object_or_404(
        selectors.open_for_volunteer(volunteer, now=timezone.now() - timezone.timedelta(days=1)), pk=pk
    )


@volunteer_page
def v_occurrence(request, pk: int):
    volunteer = request.volunteer
    occ = _volunteer_occurrence(volunteer, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                result = services.attendance_confirm(
                    actor=volunteer, occurrence=occ, signup_ids=request.POST.getlist("signup") or None
                )
                messages.success(request, _("%(n)d volunteers confirmed.") % {"n": len(result["confirmed"])})
            elif request.POST.get("action") == "cancel":
                signup = get_object_or_404(VolunteerSignup, occurrence=occ, volunteer=volunteer)
                services.volunteer_cancel(volunteer=volunteer, signup=signup)
                messages.success(request, _("Your sign-up is cancelled."))
            else:
                role = _role(occ, request.POST.get("role"))
                services.volunteer_signup(volunteer=volunteer, occurrence=occ, role=role)
                messages.success(
                    request, _("You are signed up. Check in at the activity with its QR code or code.")
                )
        except DomainError as exc:
            _error(request, exc)
        return redirect("activities:v_occurrence", occ.pk)
    signup = VolunteerSignup.objects.filter(occurrence=occ, volunteer=volunteer).first()
    roles = [
        {
            "role": r,
            "taken": r.signups.filter(occurrence=occ, status=VolunteerSignupStatus.SIGNED_UP).count(),
        }
        for r in occ.activity.roles.select_related("skill")
    ]
    captain = services.is_captain(volunteer, occ.activity)
    team = []
    if captain:
        team = [
            {"signup": vs, "hours": (services.served_window(vs, occ) or (None, None, None))[2]}
            for vs in selectors.volunteer_signups(occ).filter(status=VolunteerSignupStatus.SIGNED_UP)
        ]
    context = {
        "occ": occ,
        "signup": signup,
        "roles": roles,
        "volunteer": volunteer,
        "captain": captain,
        "team": team,
    }
    return render(request, "activities/v_occurrence.html", context)


def _check(request, occ: Occurrence, method: str):
    volunteer = request.volunteer
    action = request.POST.get("action", "in")
    try:
        if action == "out":
            services.check_out(volunteer=volunteer, occurrence=occ)
            messages.success(request, _("You are checked out. Thank you!"))
        else:
            services.check_in(volunteer=volunteer, occurrence=occ, method=method)
            messages.success(request, _("You are checked in."))
    except DomainError as exc:
        _error(request, exc)


@volunteer_page
def v_scan(request, token: str):
    read = tokens.read_token(token)
    occ = None
    if read is not None:
        occ = Occurrence.objects.select_related("activity").filter(pk=read[0], code=read[1]).first()
    if occ is None:
        raise Http404
    if request.method == "POST":
        _check(request, occ, CheckMethod.QR)
        return redirect("activities:v_scan", token)
    signup = VolunteerSignup.objects.filter(occurrence=occ, volunteer=request.volunteer).first()
    return render(request, "activities/v_check.html", {"occ": occ, "signup": signup, "token": token})


@volunteer_page
def v_code(request):
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            occ = Occurrence.objects.select_related("activity").filter(code=form.cleaned_data["code"]).first()
            if occ is None:
                messages.error(request, _("No activity has this code."))
            else:
                _check(request, occ, CheckMethod.CODE)
                return redirect("activities:v_home")
        else:
            messages.error(request, _("Type the 6 digits shown at the activity."))
    return render(request, "activities/v_code.html", {"form": form})


@volunteer_page
@require_POST
def v_visit_done(request, pk: int):
    from .models import HomeVisit

    visit = get_object_or_404(HomeVisit, pk=pk, volunteer=request.volunteer)
    try:
        services.home_visit_done(visit=visit, volunteer=request.volunteer, note=request.POST.get("note", ""))
        messages.success(request, _("The visit is marked done."))
    except DomainError as exc:
        _error(request, exc)
    return redirect("activities:v_home")
