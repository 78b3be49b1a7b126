"""Request settings for administrators: the request types and their forms, the routing rules
in the order they are tried, each team's way of assigning (and the fallback team), the SLA
policies with a target per priority, the customer groups' policies, and the business
calendars with their public holidays. Changes apply to requests filed from then on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, DecimalField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from backoffice import blueprint
from backoffice.staff import CheckboxesField
from core.extensions import db
from core.forms import Form, SelectField, act, on_submit, options
from core.i18n import LANGUAGES
from core.navigation import menu_item
from core.pagination import plain_id
from core.permissions import requires
from core.scope import staff_get
from core.tickets import assignable, teams_with_members, type_field_label, type_name
from models.changes import COUNTRIES
from models.errors import N_, DomainError
from models.identity import Account, Assignment, CustomerGroup, Team
from models.tickets import (
    FIELDS,
    PRIORITY_LABELS,
    PROCESS_AREA_LABELS,
    BusinessCalendar,
    Priority,
    ProcessArea,
    RequestType,
    RoutingRule,
    SLAPolicy,
    add_rule,
    attach_policy,
    define_calendar,
    define_request_type,
    define_sla_policy,
    move_rule,
    public_holidays,
    remove_rule,
    set_team_routing,
    sla_policies,
)
from models.tickets.labels import ASSIGNMENT_LABELS
from models.tickets.tables import GroupPolicy

menu_item(
    "backoffice",
    "backoffice.request_settings",
    _l("Request settings"),
    permission="requests.configure",
    order=85,
)

ASKED = {"": _l("Not asked"), "optional": _l("Optional"), "required": _l("Required")}
WEEKDAY_LABELS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]


def _me() -> Account:
    return current_user._get_current_object()


def _back(message: str, anchor: str) -> Callable[[], Response]:
    def back() -> Response:
        flash(message, "success")
        return redirect(url_for("backoffice.request_settings", _anchor=anchor))

    return back


def _any(label: Any, pairs: Any) -> list[Any]:
    return options([("", label), *pairs])


@blueprint.route("/request-settings")
@requires("requests.configure")
def request_settings() -> str:
    teams = teams_with_members()
    rules = db.session.scalars(
        select(RoutingRule)
        .order_by(RoutingRule.position, RoutingRule.id)
        .options(
            joinedload(RoutingRule.request_type),
            joinedload(RoutingRule.team),
            joinedload(RoutingRule.assignee),
        )
    ).all()
    groups = db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name)).all()
    attached = dict(
        db.session.execute(select(GroupPolicy.customer_group_id, GroupPolicy.sla_policy_id)).all()
    )
    return render_template(
        "backoffice/request_settings/index.html",
        types=db.session.scalars(select(RequestType).order_by(RequestType.position)).all(),
        rules=rules,
        rule_form=_rule_form(posted=False),
        teams=[
            (team, TeamRoutingForm(formdata=None, prefix=f"team{team.id}", obj=team))
            for team in teams
        ],
        policies=sla_policies(db.session),
        groups=[(group, _group_form(group, attached.get(group.id))) for group in groups],
        calendars=db.session.scalars(
            select(BusinessCalendar)
            .order_by(BusinessCalendar.name)
            .options(selectinload(BusinessCalendar.holidays))
        ).all(),
        groups_by_id={g.id: g for g in groups},
        area_labels=PROCESS_AREA_LABELS,
        assignment_labels=ASSIGNMENT_LABELS,
        asked=ASKED,
    )


class RequestTypeForm(Form):
    code = StringField(
        _l("Code (in the address of its form)"),
        validators=[InputRequired(), Length(max=40)],
        render_kw={"maxlength": 40, "pattern": "[a-z0-9][a-z0-9_-]+"},
    )
    process_area = SelectField(
        _l("Process area"),
        validators=[InputRequired()],
        choices=options((a.value, PROCESS_AREA_LABELS[a]) for a in ProcessArea),
    )
    default_priority = SelectField(
        _l("Default priority"),
        validators=[InputRequired()],
        choices=options((p.value, PRIORITY_LABELS[p]) for p in Priority),
    )
    position = IntegerField(
        _l("Position in the list"), validators=[InputRequired(), NumberRange(0, 10_000)]
    )
    active = BooleanField(_l("Customers can file it"))


def _type_form(request_type: RequestType | None) -> RequestTypeForm:
    """The type's form with a name per language of the portal and a select per field of the
    catalogue (not asked / optional / required)."""

    class TypeForm(RequestTypeForm):
        pass

    for locale, language in LANGUAGES.items():
        checks = [InputRequired()] if locale == "en" else [Optional()]
        setattr(
            TypeForm,
            f"name_{locale}",
            StringField(
                _l("Name in %(language)s", language=language), validators=[*checks, Length(max=120)]
            ),
        )
    for name in FIELDS:
        setattr(
            TypeForm,
            f"field_{name}",
            SelectField(type_field_label(name), choices=options(ASKED.items()), default=""),
        )
    data: dict[str, Any] = {"position": 0, "active": True}
    if request_type is not None:
        specs = {s["name"]: s for s in request_type.field_specs}
        data = {
            "code": request_type.code,
            "process_area": request_type.process_area.value,
            "default_priority": request_type.default_priority.value,
            "position": request_type.position,
            "active": request_type.active,
            **{f"name_{k}": v for k, v in request_type.name_map.items()},
            **{
                f"field_{name}": ("required" if spec.get("required") else "optional")
                for name, spec in specs.items()
            },
        }
    return TypeForm(data=None if request.method == "POST" else data)


def _save_type(form: Any, request_type: RequestType | None) -> RequestType:
    if request_type is not None and form.code.data != request_type.code:
        raise DomainError(N_("The code of a type cannot change."), "code")
    return define_request_type(
        db.session,
        actor=_me(),
        code=form.code.data.strip(),
        names={locale: form[f"name_{locale}"].data or "" for locale in LANGUAGES},
        process_area=ProcessArea(form.process_area.data),
        default_priority=Priority(form.default_priority.data),
        fields=[
            (name, form[f"field_{name}"].data == "required")
            for name in FIELDS
            if form[f"field_{name}"].data
        ],
        position=form.position.data,
        active=form.active.data,
    )


@blueprint.route("/request-settings/types/new", methods=["GET", "POST"])
@blueprint.route("/request-settings/types/<int:type_id>", methods=["GET", "POST"])
@requires("requests.configure")
def request_settings_type(type_id: int | None = None) -> Response | tuple[str, int]:
    request_type = staff_get(RequestType, type_id) if type_id is not None else None
    form = _type_form(request_type)
    if request.method == "POST":
        saved = on_submit(
            form,
            lambda: _save_type(form, request_type),
            _back(_("The request type is saved."), "types"),
        )
        if saved is not None:
            return saved
    page = render_template(
        "backoffice/request_settings/type.html",
        form=form,
        request_type=request_type,
        languages=LANGUAGES,
        fields=FIELDS,
    )
    return page, 422 if request.method == "POST" else 200


class RuleForm(Form):
    request_type = SelectField(_l("Request type"))
    customer_group = SelectField(_l("Customer group"))
    process_area = SelectField(_l("Process area"))
    team = SelectField(_l("Team"), validators=[InputRequired()])
    assignee = SelectField(_l("Assignee (optional)"))


def _rule_form(*, posted: bool) -> RuleForm:
    """The new rule's form (with what was posted, or empty) and its choices."""
    form = RuleForm() if posted else RuleForm(formdata=None)
    types = db.session.scalars(select(RequestType).order_by(RequestType.position)).all()
    groups = db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name)).all()
    teams = teams_with_members()
    form.request_type.choices = _any(_l("Any type"), ((t.id, type_name(t)) for t in types))
    form.customer_group.choices = _any(_l("Any group"), ((g.id, g.name) for g in groups))
    form.process_area.choices = _any(
        _l("Any area"), ((a.value, PROCESS_AREA_LABELS[a]) for a in ProcessArea)
    )
    form.team.choices = options((t.id, t.name) for t in teams)
    form.assignee.choices = _any(
        _l("The team's way of assigning"), ((p.id, p.full_name) for p in assignable(teams))
    )
    return form


@blueprint.route("/request-settings/rules", methods=["POST"])
@requires("requests.configure")
def request_settings_rule_add() -> Response | tuple[str, int]:
    form = _rule_form(posted=True)

    def add() -> None:
        team = staff_get(Team, int(form.team.data))
        add_rule(
            db.session,
            actor=_me(),
            team=team,
            request_type=db.session.get(RequestType, int(form.request_type.data))
            if form.request_type.data
            else None,
            customer_group=db.session.get(CustomerGroup, int(form.customer_group.data))
            if form.customer_group.data
            else None,
            process_area=ProcessArea(form.process_area.data) if form.process_area.data else None,
            assignee=db.session.get(Account, int(form.assignee.data))
            if form.assignee.data
            else None,
        )

    added = on_submit(form, add, _back(_("The rule is added at the end."), "routing"))
    if added is not None:
        return added
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("backoffice.request_settings", _anchor="routing"))


@blueprint.route("/request-settings/rules/<int:rule_id>/move", methods=["POST"])
@requires("requests.configure")
def request_settings_rule_move(rule_id: int) -> Response:
    rule = staff_get(RoutingRule, rule_id)
    act(
        lambda: move_rule(db.session, actor=_me(), rule=rule, up=request.form.get("to") == "up"),
        lambda: _("The order of the rules is saved."),
    )
    return redirect(url_for("backoffice.request_settings", _anchor="routing"))


@blueprint.route("/request-settings/rules/<int:rule_id>/delete", methods=["POST"])
@requires("requests.configure")
def request_settings_rule_delete(rule_id: int) -> Response:
    rule = staff_get(RoutingRule, rule_id)
    act(
        lambda: remove_rule(db.session, actor=_me(), rule=rule),
        lambda: _("The rule is removed; requests it routed keep their team."),
    )
    return redirect(url_for("backoffice.request_settings", _anchor="routing"))


class TeamRoutingForm(Form):
    assignment = SelectField(
        _l("New requests go to"),
        validators=[InputRequired()],
        choices=options((a.value, ASSIGNMENT_LABELS[a]) for a in Assignment),
    )
    takes_unrouted = BooleanField(_l("Takes the requests no rule routes"))


@blueprint.route("/request-settings/teams/<int:team_id>", methods=["POST"])
@requires("requests.configure")
def request_settings_team(team_id: int) -> Response:
    team = staff_get(Team, team_id)
    form = TeamRoutingForm(prefix=f"team{team.id}")
    if form.validate():
        act(
            lambda: set_team_routing(
                db.session,
                actor=_me(),
                team=team,
                assignment=Assignment(form.assignment.data),
                takes_unrouted=form.takes_unrouted.data,
            ),
            lambda: _("The team %(name)s is saved.", name=team.name),
        )
    return redirect(url_for("backoffice.request_settings", _anchor="teams"))


def _group_form(group: CustomerGroup, policy_id: int | None) -> Form:
    class GroupForm(Form):
        policy = SelectField(_l("Service level of %(group)s", group=group.name))

    form = GroupForm(formdata=None, prefix=f"group{group.id}", policy=policy_id or "")
    form.policy.choices = _any(_l("None"), ((p.id, p.name) for p in sla_policies(db.session)))
    return form


@blueprint.route("/request-settings/groups/<int:group_id>", methods=["POST"])
@requires("requests.configure")
def request_settings_group(group_id: int) -> Response:
    group = staff_get(CustomerGroup, group_id)
    chosen = plain_id(request.form.get(f"group{group.id}-policy", ""))
    policy = db.session.get(SLAPolicy, chosen) if chosen is not None else None
    act(
        lambda: attach_policy(db.session, actor=_me(), group=group, policy=policy),
        lambda: _("The service level of %(group)s is saved.", group=group.name),
    )
    return redirect(url_for("backoffice.request_settings", _anchor="groups"))


class PolicyForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    calendar = SelectField(_l("Business hours"), validators=[InputRequired()])


HOURS = [InputRequired(), NumberRange(min=Decimal("0.25"), max=Decimal(24 * 365))]


def _policy_form(policy: SLAPolicy | None) -> Any:
    class TargetsForm(PolicyForm):
        pass

    for priority in Priority:
        label = PRIORITY_LABELS[priority]
        setattr(
            TargetsForm,
            f"{priority.value}_response",
            DecimalField(
                _l("%(priority)s: first response (hours)", priority=_(label)),
                places=2,
                validators=HOURS,
            ),
        )
        setattr(
            TargetsForm,
            f"{priority.value}_resolution",
            DecimalField(
                _l("%(priority)s: resolution (hours)", priority=_(label)),
                places=2,
                validators=HOURS,
            ),
        )
    data: dict[str, Any] = {}
    if policy is not None:
        data = {"name": policy.name, "calendar": policy.calendar_id}
        for target in policy.targets:
            data[f"{target.priority.value}_response"] = Decimal(target.first_response_minutes) / 60
            data[f"{target.priority.value}_resolution"] = Decimal(target.resolution_minutes) / 60
    form = TargetsForm(data=None if request.method == "POST" else data)
    calendars = db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name))
    form.calendar.choices = options((c.id, c.name) for c in calendars)
    return form


def _save_policy(form: Any) -> SLAPolicy:
    def minutes(value: Decimal) -> int:
        return int((value * 60).to_integral_value())

    return define_sla_policy(
        db.session,
        actor=_me(),
        name=form.name.data.strip(),
        calendar=staff_get(BusinessCalendar, int(form.calendar.data)),
        targets={
            p: (
                minutes(form[f"{p.value}_response"].data),
                minutes(form[f"{p.value}_resolution"].data),
            )
            for p in Priority
        },
    )


@blueprint.route("/request-settings/policies/new", methods=["GET", "POST"])
@blueprint.route("/request-settings/policies/<int:policy_id>", methods=["GET", "POST"])
@requires("requests.configure")
def request_settings_policy(policy_id: int | None = None) -> Response | tuple[str, int]:
    policy = staff_get(SLAPolicy, policy_id) if policy_id is not None else None
    form = _policy_form(policy)
    if request.method == "POST" and policy is not None and form.name.data != policy.name:
        form.name.errors = [_("The name of a service level cannot change.")]
    elif request.method == "POST":
        saved = on_submit(
            form, lambda: _save_policy(form), _back(_("The service level is saved."), "policies")
        )
        if saved is not None:
            return saved
    page = render_template(
        "backoffice/request_settings/policy.html", form=form, policy=policy, priorities=Priority
    )
    return page, 422 if request.method == "POST" else 200


class CalendarForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    timezone = StringField(_l("Time zone"), validators=[InputRequired(), Length(max=64)])
    weekdays = CheckboxesField(
        _l("Working days"), coerce=int, choices=options(enumerate(WEEKDAY_LABELS))
    )
    opens = TimeField(_l("Opens"), validators=[InputRequired()])
    closes = TimeField(_l("Closes"), validators=[InputRequired()])
    holidays = TextAreaField(
        _l("Public holidays, one a line: YYYY-MM-DD and a name"),
        render_kw={"rows": 10},
    )
    country = SelectField(
        _l("Add the public holidays of"),
        choices=options([("", _l("no country")), *((c, c) for c in COUNTRIES)]),
    )
    year = IntegerField(_l("for the year"), validators=[Optional(), NumberRange(2000, 2100)])


def _holidays(text: str) -> dict[dt.date, str]:
    found: dict[dt.date, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        day, _sep, name = line.strip().partition(" ")
        try:
            found[dt.date.fromisoformat(day)] = name.strip()
        except ValueError:
            raise DomainError(
                N_("Line %(line)s: start it with a date, YYYY-MM-DD."), "holidays", line=number
            ) from None
    return found


@blueprint.route("/request-settings/calendars/new", methods=["GET", "POST"])
@blueprint.route("/request-settings/calendars/<int:calendar_id>", methods=["GET", "POST"])
@requires("requests.configure")
def request_settings_calendar(calendar_id: int | None = None) -> Response | tuple[str, int]:
    calendar = staff_get(BusinessCalendar, calendar_id) if calendar_id is not None else None
    data: dict[str, Any] = {"timezone": "Europe/Bratislava", "weekdays": list(range(5))}
    if calendar is not None:
        data = {
            "name": calendar.name,
            "timezone": calendar.timezone,
            "weekdays": [int(d) for d in calendar.weekdays],
            "opens": calendar.opens,
            "closes": calendar.closes,
            "holidays": "\n".join(f"{h.day.isoformat()} {h.name}" for h in calendar.holidays),
        }
    form = CalendarForm(data=None if request.method == "POST" else data)
    if request.method == "POST" and calendar is not None and form.name.data != calendar.name:
        form.name.errors = [_("The name of business hours cannot change.")]
    elif request.method == "POST":

        def save() -> None:
            holidays = _holidays(form.holidays.data or "")
            if form.country.data and form.year.data:
                holidays |= public_holidays(form.country.data, [form.year.data])
            define_calendar(
                db.session,
                actor=_me(),
                name=form.name.data.strip(),
                timezone=form.timezone.data.strip(),
                weekdays=form.weekdays.data,
                opens=form.opens.data,
                closes=form.closes.data,
                holidays=holidays,
            )

        saved = on_submit(form, save, _back(_("The business hours are saved."), "calendars"))
        if saved is not None:
            return saved
    page = render_template(
        "backoffice/request_settings/calendar.html", form=form, calendar=calendar
    )
    return page, 422 if request.method == "POST" else 200
