"""The opportunity forms: one per kind, the kind chooser, cancelling, and the listing's filters.

The forms parse what was typed and hold it to every rule about one opportunity, in
`validate()` so every problem shows at once; the service keeps what needs the stored
opportunity (`services.check_change`: its kind, the places already booked). The API fills the
same forms from JSON (`diaspora.api.resources.opportunities`).
"""

from datetime import date, datetime, time
from typing import Any, ClassVar
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from diaspora.core.time import as_utc, utcnow
from diaspora.core.words import N_
from diaspora.languages import current_language, translated
from diaspora.opportunities import services, times
from diaspora.opportunities.models import (
    KIND_LABELS,
    MODALITY_LABELS,
    Modality,
    Opportunity,
    OpportunityKind,
    Recurrence,
)
from diaspora.opportunities.services import MAX_WANTED, OpportunityInput
from diaspora.organisations.models import Organisation
from diaspora.reference.catalogue import (
    language_names,
    languages,
    localised_languages,
    professions,
    skills,
)
from diaspora.reference.places import countries, country_names
from diaspora.registry.models import PROFICIENCY_LABELS, SKILL_LEVEL_LABELS
from diaspora.widgets import (
    CheckboxList,
    Name,
    NhsDateField,
    NhsukForm,
    TimeZoneField,
    WholeNumberField,
    options,
    render_select,
)

SUPPORT = [
    ("travel", _l("Travel costs")),
    ("housing", _l("Housing")),
    ("stipend", _l("A stipend or salary")),
]


def _levels(labels: dict[int, str]) -> list:
    """Minimum levels: "Practitioner or above", ..., the highest as it is."""
    top = max(labels)
    return options(
        (str(n), _l(label.msgid) if n == top else _l("%(level)s or above", level=_l(label.msgid)))
        for n, label in labels.items()
    )


def _skill_choices() -> list:
    entries = sorted(skills().values(), key=lambda e: (e["area"], e["name"]))
    return options(((e["code"], e["name"]) for e in entries), _l("No skill chosen"))


def _profession_choices() -> list:
    return options((p.code, p.name) for p in professions().values())


def parse_time(text: str) -> time:
    """A 24-hour time typed as 14:00, 14.00, 1400 or 9:30."""
    value = text.strip().replace(".", ":")
    if ":" not in value and value.isdecimal() and len(value) in (3, 4):
        value = f"{value[:-2]}:{value[-2:]}"
    hours, _, minutes = value.partition(":")
    if not (hours.isdecimal() and minutes.isdecimal() and len(minutes) == 2):
        raise ValueError
    return time(int(hours), int(minutes))


class TimeField(StringField):
    """A time of day typed in a text box (24-hour clock); left empty it is None."""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        try:
            self.data = parse_time(text)
        except ValueError as error:
            raise ValueError(_l("Enter the start time in the 24-hour clock, like 14:00")) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if isinstance(self.data, time) else ""


def _number(label: str, message: str, **kwargs) -> WholeNumberField:
    return WholeNumberField(label, message=message, **kwargs)


class OpportunityForm(NhsukForm):
    """What every kind asks; the rows of wanted skills and languages are added below."""

    kind = OpportunityKind.PROJECT
    title = StringField(
        _l("Title"),
        description=_l(
            "Say what the work is, for example: Set up a neonatal resuscitation "
            "training programme in Sylhet"
        ),
        validators=[Name()],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What you need, who it is for, and what a volunteer would do."),
    )
    country = SelectField(_l("Country"), choices=[], validate_choice=False)
    region = StringField(_l("Region or city (optional)"))
    modality = RadioField(
        _l("How will people take part?"),
        choices=options((m.value, _l(label)) for m, label in MODALITY_LABELS.items()),
        validate_choice=False,
    )
    professions = SelectMultipleField(
        _l("Professions wanted"),
        description=_l("Select all that apply."),
        choices=[],
        validate_choice=False,
        widget=CheckboxList(),
    )

    def __init__(
        self,
        *args: Any,
        editing: Opportunity | None = None,
        now: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        if editing is not None and "data" not in kwargs and not args:
            kwargs["data"] = self.initial(OpportunityInput.from_opportunity(editing))
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.now = now or utcnow()
        self.country.choices = options(countries(current_language()), _l("Select a country"))
        self.professions.choices = _profession_choices()
        for n in range(1, MAX_WANTED + 1):
            self[f"skill_{n}"].choices = _skill_choices()
            self[f"language_{n}"].choices = options(
                localised_languages(current_language()), _l("No language chosen")
            )

    # Moving data in and out ----------------------------------------------------------------

    @classmethod
    def initial(cls, data: OpportunityInput) -> dict[str, Any]:
        """Form data for an existing opportunity."""
        values: dict[str, Any] = {
            name: getattr(data, name)
            for name in [
                "title",
                "description",
                "country",
                "region",
                "modality",
                "professions",
                "starts_on",
                "ends_on",
                "hours_per_month",
                "places",
                "start_time",
                "host_time_zone",
                "duration_minutes",
                "capacity",
                "audience",
                "learners_expected",
                "recurrence",
                "occurrences",
                "host_institution",
                "duration_months",
                "service_commitment",
            ]
        }
        for n, (code, level) in enumerate(data.skills, start=1):
            values[f"skill_{n}"], values[f"skill_level_{n}"] = code, str(level)
        for n, (code, level) in enumerate(data.languages, start=1):
            values[f"language_{n}"], values[f"language_level_{n}"] = code, str(level)
        values["support"] = [key for key, _ in SUPPORT if getattr(data, f"support_{key}", False)]
        return values

    def _rows(self, prefix: str) -> list[tuple[int, str, int]]:
        """(row number, code, level) of the rows with something chosen."""
        rows = []
        for n in range(1, MAX_WANTED + 1):
            code = self[f"{prefix}_{n}"].data
            if code:
                level = self[f"{prefix}_level_{n}"].data
                rows.append((n, code, int(level) if str(level).isdecimal() else 0))
        return rows

    def details(self) -> OpportunityInput:
        data = OpportunityInput(
            kind=self.kind,
            title=self.title.data or "",
            description=self.description.data or "",
            country=self.country.data or "",
            region=self.region.data or "",
            modality=self.modality.data or "",
            professions=list(self.professions.data or []),
            skills=[(code, level) for _, code, level in self._rows("skill")],
            languages=[(code, level) for _, code, level in self._rows("language")],
        )
        for name in [
            "starts_on",
            "ends_on",
            "hours_per_month",
            "places",
            "start_time",
            "host_time_zone",
            "duration_minutes",
            "capacity",
            "join_link",
            "audience",
            "learners_expected",
            "recurrence",
            "occurrences",
            "host_institution",
            "duration_months",
            "service_commitment",
        ]:
            if name in self:
                value = self[name].data
                setattr(data, name, value if value is not None else getattr(data, name))
        if "support" in self:
            chosen = set(self.support.data or [])
            data.support_travel = "travel" in chosen
            data.support_housing = "housing" in chosen
            data.support_stipend = "stipend" in chosen
        return data

    # Checking ------------------------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the rules across them (each kind's form adds its own),
        so all problems show at once."""
        super().validate(extra_validators)
        errors: dict[str, str] = {}
        _check_common(self.details(), errors, self._rows)
        return self.refuse(errors)

    def refuse(self, errors: dict[str, str]) -> bool:
        """Put the rules' messages on their fields, except where a field already found what is
        wrong itself (not a number, not a date); whether the form is valid."""
        fresh = {n: m for n, m in errors.items() if not self._fields.get(n, self.title).errors}
        self.add_errors(fresh, default="title")
        return not self.errors

    # Rendering -----------------------------------------------------------------------------

    def wanted_rows(self, prefix: str) -> list[tuple[Any, Any]]:
        return [
            (self[f"{prefix}_{n}"], self[f"{prefix}_level_{n}"]) for n in range(1, MAX_WANTED + 1)
        ]


for _n in range(1, MAX_WANTED + 1):
    setattr(
        OpportunityForm,
        f"skill_{_n}",
        SelectField(_l("Skill %(num)s", num=_n), choices=[], validate_choice=False),
    )
    setattr(
        OpportunityForm,
        f"skill_level_{_n}",
        SelectField(
            _l("Minimum level for skill %(num)s", num=_n),
            choices=_levels(SKILL_LEVEL_LABELS),
            default="2",
            validate_choice=False,
        ),
    )
    setattr(
        OpportunityForm,
        f"language_{_n}",
        SelectField(_l("Language %(num)s", num=_n), choices=[], validate_choice=False),
    )
    setattr(
        OpportunityForm,
        f"language_level_{_n}",
        SelectField(
            _l("How well for language %(num)s", num=_n),
            choices=_levels(PROFICIENCY_LABELS),
            default="2",
            validate_choice=False,
        ),
    )


class ProjectForm(OpportunityForm):
    kind = OpportunityKind.PROJECT
    starts_on = NhsDateField(
        _l("Start date"),
        description=_l("For example, 1 3 2027"),
        invalid_message=_l("Start date must be a real date"),
    )
    ends_on = NhsDateField(
        _l("End date"),
        description=_l("For example, 31 8 2027"),
        invalid_message=_l("End date must be a real date"),
    )
    hours_per_month = _number(
        _l("Hours a month"),
        _l("Enter hours a month as a whole number, like 8"),
        description=_l("How much time a volunteer would give, on average. Between 1 and 200."),
    )
    places = _number(
        _l("Number of places"),
        _l("Enter the number of places as a whole number, like 3"),
        description=_l("How many people you would take on."),
    )

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        data, errors = self.details(), {}
        _check_dates(data, errors, _l("Enter the start date"), _l("Enter the end date"))
        if not errors.get("ends_on") and _before(data.ends_on, data.starts_on):
            errors["ends_on"] = _l("The end date must be the same as or after the start date")
        if data.hours_per_month is None:
            errors["hours_per_month"] = _l("Enter the hours a month")
        _check_hours(data, errors)
        _check_places(data, errors)
        return self.refuse(errors)


class TeachingForm(OpportunityForm):
    kind = OpportunityKind.TEACHING
    starts_on = NhsDateField(
        _l("Date of the first session"),
        description=_l("In your time zone. For example, 2 3 2027"),
        invalid_message=_l("Date of the first session must be a real date"),
    )
    start_time = TimeField(
        _l("Start time"),
        description=_l("In your time zone, in the 24-hour clock. For example, 14:00"),
    )
    host_time_zone = TimeZoneField(
        _l("Time zone of the sessions"),
        description=_l(
            "The date and start time are in this time zone. It starts as your organisation's."
        ),
    )
    duration_minutes = _number(
        _l("Duration in minutes"),
        _l("Enter the duration as a whole number of minutes, like 60"),
        description=_l("Between 15 and 480 minutes."),
    )
    capacity = _number(
        _l("Places in each session"),
        _l("Enter the number of places as a whole number, like 20"),
        description=_l("Volunteers who can book each session."),
    )
    join_link = StringField(
        _l("Join link"),
        description=_l(
            "The video call link, starting with https://. Only people with a booked place see it."
        ),
    )
    audience = StringField(
        _l("Audience (optional)"), description=_l("For example, final-year nursing students")
    )
    learners_expected = _number(
        _l("Learners expected (optional)"),
        _l("Enter the number of learners as a whole number, like 40"),
    )
    recurrence = RadioField(
        _l("Does the session repeat?"),
        choices=[],
        default=Recurrence.NONE.value,
        validate_choice=False,
    )
    occurrences = _number(
        _l("Number of sessions in the series"),
        _l("Enter the number of sessions as a whole number, like 6"),
        description=_l("For a repeating session: between 2 and 52, the first one included."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Once the first date is known, each way to repeat says what it will do.
        first = self.starts_on.data if isinstance(self.starts_on.data, date) else None
        self.recurrence.choices = options(
            (value, translated(label)) for value, label in services.recurrence_choices(first)
        )
        if self.editing is not None:
            self.join_link.description = _l(
                "Leave empty to keep the current link. A new link must start with https://. "
                "Only people with a booked place see it."
            )

    def details(self) -> OpportunityInput:
        data = super().details()
        if data.recurrence == Recurrence.NONE:
            data.occurrences = None
        return data

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        data, errors = self.details(), {}
        _check_session(data, errors)
        _check_places_and_link(data, errors, self.editing)
        _check_series(data, errors)
        _check_schedule(data, errors, self.now, self.editing)
        return self.refuse(errors)


class PlacementForm(OpportunityForm):
    kind = OpportunityKind.PLACEMENT
    host_institution = StringField(
        _l("Host institution"), description=_l("The hospital or service the person would join.")
    )
    duration_months = _number(
        _l("Duration in months"),
        _l("Enter the duration as a whole number of months, like 6"),
        description=_l("Between 1 and 36 months."),
    )
    support = SelectMultipleField(
        _l("Support offered (optional)"),
        description=_l("Select all that apply."),
        choices=options(SUPPORT),
        validate_choice=False,
        widget=CheckboxList(),
    )
    service_commitment = TextAreaField(
        _l("Service commitment (optional)"),
        description=_l("Anything you ask in return, for example to teach local staff for a year."),
    )
    starts_on = NhsDateField(
        _l("Earliest start"),
        description=_l("For example, 1 6 2027"),
        invalid_message=_l("Earliest start must be a real date"),
    )
    ends_on = NhsDateField(
        _l("Latest start"),
        description=_l("For example, 30 9 2027"),
        invalid_message=_l("Latest start must be a real date"),
    )
    places = _number(
        _l("Number of places"),
        _l("Enter the number of places as a whole number, like 2"),
    )

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        data, errors = self.details(), {}
        host = data.host_institution.strip()
        if not host:
            errors["host_institution"] = _l("Enter the host institution")
        elif len(host) > 200:
            errors["host_institution"] = _l("Host institution must be 200 characters or fewer")
        if data.duration_months is None:
            errors["duration_months"] = _l("Enter the duration in months")
        elif not _between(data.duration_months, 1, services.MAX_PLACEMENT_MONTHS):
            errors["duration_months"] = _l(
                "Duration must be between 1 and %(max)s months", max=services.MAX_PLACEMENT_MONTHS
            )
        _check_dates(
            data, errors, _l("Enter the earliest start date"), _l("Enter the latest start date")
        )
        if not errors.get("ends_on") and _before(data.ends_on, data.starts_on):
            errors["ends_on"] = _l(
                "The latest start must be the same as or after the earliest start"
            )
        _check_hours(data, errors)
        if len(data.service_commitment) > (limit := services.MAX_TEXT):
            errors["service_commitment"] = _l(
                "Service commitment must be %(max)s characters or fewer", max=limit
            )
        _check_places(data, errors)
        return self.refuse(errors)


# The rules of one opportunity ---------------------------------------------------------------


def _https(link: str) -> bool:
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and " " not in link


def _between(value: int | None, low: int, high: int) -> bool:
    return value is not None and low <= value <= high


def _before(later: date | None, earlier: date | None) -> bool:
    return later is not None and earlier is not None and later < earlier


def _check_common(data: OpportunityInput, errors: dict[str, str], rows) -> None:
    title = data.title.strip()
    if not title:
        errors["title"] = _l("Enter a title")
    elif len(title) > services.MAX_TITLE:
        errors["title"] = _l("Title must be %(max)s characters or fewer", max=services.MAX_TITLE)
    if not data.description.strip():
        errors["description"] = _l("Enter a description of the work")
    elif len(data.description) > services.MAX_TEXT:
        errors["description"] = _l(
            "Description must be %(max)s characters or fewer", max=services.MAX_TEXT
        )
    if data.country not in country_names():
        errors["country"] = _l("Select a country from the list")
    if len(data.region.strip()) > services.MAX_REGION:
        errors["region"] = _l("Region must be %(max)s characters or fewer", max=services.MAX_REGION)
    if data.modality not in {m.value for m in Modality}:
        errors["modality"] = _l("Select how people will take part: remotely, on site or both")
    if not data.professions:
        errors["professions"] = _l("Select at least one profession")
    elif any(code not in professions() for code in data.professions):
        errors["professions"] = _l("Select professions from the list")
    _check_wanted(rows("skill"), skills(), "skill", errors)
    _check_wanted(rows("language"), language_names(), "language", errors)


def _check_wanted(
    rows: list[tuple[int, str, int]], known, noun: str, errors: dict[str, str]
) -> None:
    """Each chosen row: a code from the list, chosen once, with a level."""
    seen: set[str] = set()
    for number, code, level in rows:
        name = f"{noun}_{number}"
        if code not in known:
            errors[name] = (
                _l("Select a skill from the list")
                if noun == "skill"
                else _l("Select a language from the list")
            )
        elif code in seen:
            errors[name] = (
                _l("You have chosen this skill twice: choose it once")
                if noun == "skill"
                else _l("You have chosen this language twice: choose it once")
            )
        elif not _between(level, 1, 4):
            errors[f"{noun}_level_{number}"] = _l("Select a minimum level from the list")
        seen.add(code)


def _check_dates(data: OpportunityInput, errors: dict[str, str], first: str, last: str) -> None:
    if data.starts_on is None:
        errors["starts_on"] = first
    if data.ends_on is None:
        errors["ends_on"] = last


def _check_hours(data: OpportunityInput, errors: dict[str, str]) -> None:
    hours = data.hours_per_month
    if hours is not None and not _between(hours, 1, services.MAX_HOURS):
        errors["hours_per_month"] = _l(
            "Hours a month must be between 1 and %(max)s", max=services.MAX_HOURS
        )


def _check_places(data: OpportunityInput, errors: dict[str, str]) -> None:
    if data.places is None:
        errors["places"] = _l("Enter the number of places")
    elif data.places < 1:
        errors["places"] = _l("Number of places must be at least 1")
    elif data.places > services.MAX_PLACES:
        errors["places"] = _l("Number of places must be %(max)s or fewer", max=services.MAX_PLACES)


def _check_session(data: OpportunityInput, errors: dict[str, str]) -> None:
    """When a tele-teaching session starts, and for how long."""
    if data.starts_on is None:
        errors["starts_on"] = _l("Enter the date of the first session")
    if data.start_time is None:
        errors["start_time"] = _l("Enter the start time, like 14:00")
    try:
        times.zone(data.host_time_zone)
    except times.LocalTimeError as error:
        errors["host_time_zone"] = error.errors[""]
    low, high = services.MIN_DURATION, services.MAX_DURATION
    if data.duration_minutes is None:
        errors["duration_minutes"] = _l("Enter the duration in minutes")
    elif not _between(data.duration_minutes, low, high):
        errors["duration_minutes"] = _l(
            "Duration must be between %(low)s and %(high)s minutes", low=low, high=high
        )


def _check_places_and_link(
    data: OpportunityInput, errors: dict[str, str], editing: Opportunity | None
) -> None:
    """Who can join a tele-teaching session, and how: an empty link keeps the one stored."""
    if data.capacity is None:
        errors["capacity"] = _l("Enter the number of places in each session")
    elif data.capacity < 1:
        errors["capacity"] = _l("Capacity must be at least 1 place")
    elif data.capacity > services.MAX_CAPACITY:
        errors["capacity"] = _l(
            "Capacity must be %(max)s places or fewer", max=services.MAX_CAPACITY
        )
    link = data.join_link.strip()
    if not link:
        if editing is None or not editing.join_link:
            errors["join_link"] = _l("Enter the link people use to join the session")
    elif len(link) > services.MAX_LINK:
        errors["join_link"] = _l(
            "Join link must be %(max)s characters or fewer", max=services.MAX_LINK
        )
    elif not _https(link):
        errors["join_link"] = _l("Enter a join link that starts with https://")
    if len(data.audience.strip()) > services.MAX_AUDIENCE:
        errors["audience"] = _l(
            "Audience must be %(max)s characters or fewer", max=services.MAX_AUDIENCE
        )
    if data.learners_expected is not None and not _between(data.learners_expected, 1, 100_000):
        errors["learners_expected"] = _l("Learners expected must be between 1 and 100,000")


def _check_series(data: OpportunityInput, errors: dict[str, str]) -> None:
    """How a session repeats, and whether it can from its first date."""
    low, high = services.MIN_OCCURRENCES, services.MAX_OCCURRENCES
    if data.recurrence not in {r.value for r in Recurrence}:
        errors["recurrence"] = _l("Select whether the session repeats")
        return
    if data.recurrence != Recurrence.NONE and not _between(data.occurrences, low, high):
        errors["occurrences"] = _l(
            "Number of sessions must be between %(low)s and %(high)s", low=low, high=high
        )
    problem = data.starts_on and services.recurrence_problem(data.starts_on, data.recurrence)
    if problem:
        errors["recurrence"] = problem


def _check_schedule(
    data: OpportunityInput, errors: dict[str, str], now: datetime, editing: Opportunity | None
) -> None:
    """Every session of the series exists in its time zone, and each one still to come starts
    in the future; sessions already held keep their times and are not checked."""
    stoppers = ("starts_on", "start_time", "host_time_zone", "recurrence", "occurrences")
    if any(name in errors for name in stoppers):
        return
    try:
        planned = services.schedule(
            data.starts_on, data.start_time, data.host_time_zone, data.recurrence, data.occurrences
        )
    except times.LocalTimeError as error:
        errors["start_time"] = error.errors[""]
        return
    sessions = editing.sessions if editing is not None else []
    held = {s.number for s in sessions if as_utc(s.starts_at) <= now}
    for number, (day, instant) in enumerate(planned, start=1):
        if number in held or instant > now:
            continue
        if number == 1:
            errors["starts_on"] = _l("The first session must be in the future")
        else:
            errors["starts_on"] = N_(
                "Session %(number)s, on %(day)s, would be in the past: choose a later first date",
                number=number,
                day=day,
            )
        return


FORMS: dict[str, type[OpportunityForm]] = {
    OpportunityKind.PROJECT: ProjectForm,
    OpportunityKind.TEACHING: TeachingForm,
    OpportunityKind.PLACEMENT: PlacementForm,
}


class KindForm(NhsukForm):
    """The first question: which kind, and for which organisation. A GET form: it changes
    nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    kind = RadioField(
        _l("What kind of opportunity is it?"),
        choices=options((k.value, _l(label)) for k, label in KIND_LABELS.items()),
        validate_choice=False,
    )
    organisation = SelectField(
        _l("Which organisation is it for?"), choices=[], validate_choice=False
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation.choices = options(
            ((str(org.id), org.name) for org in organisations), _l("Select an organisation")
        )
        self.known = {str(org.id) for org in organisations}
        if len(organisations) == 1 and not self.organisation.data:
            self.organisation.data = str(organisations[0].id)

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in FORMS:
            raise ValidationError(_l("Select the kind of opportunity"))

    def validate_organisation(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Select the organisation the opportunity is for"))
        if field.data not in self.known:
            raise ValidationError(_l("Select the organisation from the list"))


class CancelForm(NhsukForm):
    reason = TextAreaField(
        _l("Why are you cancelling it?"),
        description=_l("Everyone taking part will see this."),
    )

    def validate_reason(self, field: TextAreaField) -> None:
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(_l("Enter why you are cancelling the opportunity"))
        if len(text) > 2000:
            raise ValidationError(_l("Reason must be 2000 characters or fewer"))


class RememberedSelect:
    """The nhsuk select, rendered once per chosen value and then remembered.

    The listing's filters offer every country and every language: a few hundred options, each
    rendered by the nhsuk macro on every page view. Their markup depends only on the field and
    the chosen value, so it is kept (a few hundred small strings at most). A field with an
    error, or given extra parameters, is rendered afresh.
    """

    remembered: ClassVar[dict[tuple[str, str, str], Markup]] = {}
    LIMIT = 2000

    def __call__(self, field: SelectField, **kwargs: Any) -> Markup:
        if field.errors or kwargs or not isinstance(field.data, str | None):
            return render_select(field, **kwargs)
        key = (field.id, field.data or "", current_language())
        markup = self.remembered.get(key)
        if markup is None:
            markup = render_select(field)
            if len(self.remembered) < self.LIMIT:
                self.remembered[key] = markup
        return markup


def _choice(label: str, pairs, placeholder: str, invalid: str) -> SelectField:
    return SelectField(
        label,
        choices=options(pairs, placeholder),
        validators=[Optional()],
        invalid_choice_message=invalid,
        widget=RememberedSelect(),
    )


class ListingForm(NhsukForm):
    """The listing's filters: a GET form (it changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    kind = _choice(
        _l("Kind"),
        ((k.value, _l(label)) for k, label in KIND_LABELS.items()),
        _l("Any kind"),
        _l("Select a kind from the list"),
    )
    country = _choice(
        _l("Country"), countries(), _l("Any country"), _l("Select a country from the list")
    )
    modality = _choice(
        _l("How people take part"),
        ((m.value, _l(label)) for m, label in MODALITY_LABELS.items()),
        _l("Remotely or on site"),
        _l("Select how people take part from the list"),
    )
    profession = _choice(
        _l("Profession"),
        ((p.code, p.name) for p in professions().values()),
        _l("Any profession"),
        _l("Select a profession from the list"),
    )
    skill = _choice(
        _l("Skill"),
        ((code, row["name"]) for code, row in sorted(skills().items(), key=lambda i: i[1]["name"])),
        _l("Any skill"),
        _l("Select a skill from the list"),
    )
    language = _choice(
        _l("Language"), languages(), _l("Any language"), _l("Select a language from the list")
    )
    starts_from = DateField(
        _l("Starts on or after"),
        validators=[Optional()],
        invalid_value_message=_l("Enter a real date for 'starts on or after'"),
    )
    starts_by = DateField(
        _l("Starts by"),
        validators=[Optional()],
        invalid_value_message=_l("Enter a real date for 'starts by'"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Countries and languages named in the reader's language, sorted in its order.
        language = current_language()
        self.country.choices = options(countries(language), _l("Any country"))
        self.language.choices = options(localised_languages(language), _l("Any language"))

    def validate_starts_by(self, field: DateField) -> None:
        start: date | None = self.starts_from.data
        if field.data and start and field.data < start:
            raise ValidationError(
                _l("'Starts by' must be the same as or after 'starts on or after'")
            )

    def filters(self) -> services.Filters:
        return services.Filters(
            kind=self.kind.data or None,
            country=self.country.data or None,
            modality=self.modality.data or None,
            profession=self.profession.data or None,
            skill=self.skill.data or None,
            language=self.language.data or None,
            starts_from=self.starts_from.data,
            starts_by=self.starts_by.data,
        )
