"""Forms for adding and changing a registration, and for the verifier's decision."""

from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from diaspora.credentials import services
from diaspora.credentials.models import Credential, CredentialStatus
from diaspora.languages import current_language, translated
from diaspora.reference.catalogue import professions, regulators
from diaspora.reference.places import countries, country_name, country_names
from diaspora.registry.models import StaffProfile
from diaspora.widgets import Name, NhsDateField, NhsukForm, options


def regulator_choices() -> list[tuple[str, str]]:
    """The UK's regulators, then the partner countries' councils (with their country), then any
    other regulator, named by the person."""
    pairs = [
        (
            code,
            services.regulator_label(code)
            if regulator.in_uk
            else f"{services.regulator_label(code)}, {country_name(regulator.country)}",
        )
        for code, regulator in regulators().items()
    ]
    return [*pairs, (services.OTHER, _l("Another regulator outside the UK"))]


def number_hint(profile: StaffProfile | None) -> str:
    """What the person's number looks like, from their profession when we know it."""
    profession = professions().get((profile.profession if profile else None) or "")
    if profession is not None and profession.hcpc_prefix:
        prefix = profession.hcpc_prefix
        return _l(
            "For the HCPC, your number starts with %(prefix)s, like %(prefix)s123456.",
            prefix=prefix,
        )
    regulator = regulators().get(profession.regulator) if profession else None
    if regulator is not None and regulator.pattern is not None:
        what = services.NUMBER_NAMES[regulator.code]
        return _l(
            "For the %(regulator)s, your %(what)s is %(hint)s, like %(example)s.",
            regulator=regulator.code,
            what=translated(what),
            hint=regulator.format_hint,
            example=regulator.example,
        )
    return _l("As it appears on the regulator's register.")


class CredentialForm(NhsukForm):
    regulator = RadioField(
        _l("Who are you registered with?"),
        choices=options(regulator_choices()),
        invalid_choice_message=_l("Select your regulator"),
    )
    regulator_name = StringField(
        _l("Name of the regulator"),
        description=_l("For example, Bangladesh Medical and Dental Council (BMDC)."),
        validators=[Name()],
    )
    country = SelectField(
        "Country",
        choices=[],
        validate_choice=False,  # checked only for a regulator outside the UK
    )
    number = StringField(_l("Registration number"))
    expires_on = NhsDateField(
        _l("Expiry date (optional)"),
        description=_l("If your registration has one. For example, 31 3 2027"),
        message_name=_l("Expiry date"),
        invalid_message=_l("Expiry date must be a real date"),
    )

    def __init__(
        self,
        *args: Any,
        profile: StaffProfile | None,
        editing: Credential | None = None,
        **kwargs: Any,
    ) -> None:
        if editing is not None and "data" not in kwargs:
            kwargs["data"] = self.data_from(editing)
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.editing = editing
        self.country.choices = options(countries(current_language()), _l("Select a country"))
        self.number.description = number_hint(profile)

    @staticmethod
    def data_from(credential: Credential) -> dict[str, Any]:
        return {
            "regulator": credential.regulator,
            "regulator_name": credential.regulator_name,
            "country": credential.country if credential.regulator == services.OTHER else "",
            "number": credential.number,
            "expires_on": credential.expires_on,
        }

    def details(self) -> services.CredentialInput:
        """What was typed, parsed: the number normalised, a UK regulator's country its own."""
        regulator = self.regulator.data or ""
        name, country = (self.regulator_name.data or "").strip(), self.country.data or ""
        if regulator != services.OTHER:
            entry = regulators().get(regulator)
            name, country = "", entry.country if entry is not None else services.UK
        number = services.normalise_number(self.number.data)
        return services.CredentialInput(regulator, number, name, country, self.expires_on.data)

    @property
    def _profession(self) -> str | None:
        return self.profile.profession if self.profile is not None else None

    def validate_regulator(self, field: RadioField) -> None:
        if problem := services.regulator_problem(field.data, self._profession):
            raise ValidationError(translated(problem))

    def validate_regulator_name(self, field: StringField) -> None:
        name = (field.data or "").strip()
        if self.regulator.data != services.OTHER:
            return
        if not name:
            raise ValidationError(_l("Enter the name of the regulator"))
        if len(name) > 200:
            raise ValidationError(_l("Regulator name must be 200 characters or fewer"))

    def validate_country(self, field: SelectField) -> None:
        if self.regulator.data == services.OTHER and field.data not in country_names():
            raise ValidationError(_l("Select the country of the regulator"))

    def validate_number(self, field: StringField) -> None:
        """The number's format depends on the regulator: without one, only that it is there."""
        number = services.normalise_number(field.data)
        if self.regulator.errors:
            problem = None if number else _l("Enter your registration number")
        else:
            problem = services.number_problem(self.regulator.data, number, self._profession)
        if problem:
            raise ValidationError(translated(problem))

    def validate_expires_on(self, field: NhsDateField) -> None:
        if field.data is not None and field.data.year < 1900:
            raise ValidationError(_l("Expiry date must be a real date"))

    # Rendering --------------------------------------------------------------------------

    def regulator_items(self, other_fields: Markup) -> list[dict[str, Any]]:
        """The regulator radios, with the fields for a regulator outside the UK revealed
        under the last one."""
        items = []
        for value, label, selected, _render_kw in self.regulator.iter_choices():
            item: dict[str, Any] = {"value": value, "text": label, "checked": selected}
            if value == services.OTHER:
                item["conditional"] = {"html": other_fields}
            items.append(item)
        return items


class DecisionForm(NhsukForm):
    decision = RadioField(
        _l("Does the register confirm this registration?"),
        choices=options(
            [
                (CredentialStatus.VERIFIED.value, _l("Yes, mark it as verified")),
                (CredentialStatus.REJECTED.value, _l("No, reject it")),
            ]
        ),
        invalid_choice_message=_l("Select whether you verify or reject this registration"),
    )
    note = TextAreaField(
        "Note",
        description=(
            _l(
                "What you checked, or why you rejected it. The person will see this note. "
                "Required if you reject the registration."
            )
        ),
        validators=[Length(max=2000, message=_l("Note must be 2000 characters or fewer"))],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data == CredentialStatus.REJECTED and not (self.note.data or "").strip():
            self.note.errors.append(_l("Enter a note saying why the registration was rejected"))
            ok = False
        return ok
