"""Findings 1 and 2 of the outside security test: request size limits, and the one input filter
every form field, API string, query value and path value passes."""

import importlib
import inspect
import io
import json
import pkgutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField

import diaspora
from diaspora.api import tokens
from diaspora.auth.models import User
from diaspora.cohorts.models import CohortMessage
from diaspora.core.input import text_problem
from diaspora.core.time import utcnow
from diaspora.extensions import db as _db
from diaspora.milestones.models import Milestone
from diaspora.organisations.models import Organisation
from diaspora.widgets import NhsukForm
from tests.factories import PASSWORD
from tests.helpers import error_summary, sign_in, submit

API = "/api/v1"
NUL = "\x00"
RLO = "\u202e"  # right-to-left override
ZWSP = "\u200b"  # zero-width space
REFUSED_EVERYWHERE = [NUL, "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff"]
REFUSED_IN_NAMES = [RLO, "\u2066", "\u200e", "\u061c", ZWSP, "\u200d", "\u2060", "\ufeff"]


# Every form class --------------------------------------------------------------------------


def _form_classes() -> list[type]:
    for module in pkgutil.walk_packages(diaspora.__path__, "diaspora."):
        if module.name.endswith(".forms") or module.name == "diaspora.widgets":
            importlib.import_module(module.name)
    seen, todo = set(), [NhsukForm.__base__]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen and sub.__module__.startswith("diaspora."):
                seen.add(sub)
                todo.append(sub)
    return sorted(seen, key=lambda c: (c.__module__, c.__qualname__))


FORM_CLASSES = _form_classes()


@pytest.fixture
def built_with(make):
    """What the forms that need a record or a day are built with."""
    return {"engagement": make.engagement(state="accepted"), "today": utcnow().date()}


def _build(form_class, formdata, built_with):
    """The form filled from `formdata`, its constructor's own arguments given empty values (or
    the record or day it cannot be built without, from `built_with`)."""
    kwargs = {}
    for name, parameter in inspect.signature(form_class.__init__).parameters.items():
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty:
            empty = _db.session if name == "session" else [] if name.endswith("s") else None
            kwargs[name] = built_with.get(name, empty)
    return form_class(formdata=formdata, meta={"csrf": False}, **kwargs)


def test_finding_2_every_form_class_derives_from_the_filtering_base():
    assert len(FORM_CLASSES) > 40
    for form_class in FORM_CLASSES:
        assert issubclass(form_class, NhsukForm), form_class


@pytest.mark.parametrize(
    "form_class", FORM_CLASSES, ids=lambda c: f"{c.__module__.split('.')[1]}.{c.__qualname__}"
)
def test_finding_2_every_string_field_of_every_form_refuses_control_characters(
    app, db, built_with, form_class
):
    with app.test_request_context():
        form = _build(form_class, MultiDict(), built_with)
        text_fields = [f for f in form if isinstance(f, StringField)]
        for field in text_fields:
            multiline = isinstance(field, TextAreaField)
            for bad in [*REFUSED_EVERYWHERE, *([] if multiline else ["\n", "\r", "\t"])]:
                sent = MultiDict({field.name: f"a{bad}b"})
                filled = _build(form_class, sent, built_with)
                bound = filled[field.name]
                # Filled in as the form is built: the field's first error, before any check of
                # its own (some of which reach the database) sees the refused characters.
                assert bound.process_errors, (field.name, repr(bad))
                assert bound.process_errors[0].endswith(("control characters", "or tabs"))
                assert bad not in (bound.data or "") and bad not in bound._value()
            too_long = _build(form_class, MultiDict({field.name: "x" * 10_001}), built_with)
            errors = [*too_long[field.name].process_errors]
            for validator in too_long[field.name].validators:
                try:
                    validator(too_long, too_long[field.name])
                except ValueError as error:
                    errors.append(str(error))
            assert any("characters or fewer" in e for e in errors), field.name


def test_finding_2_names_are_marked_and_refuse_invisible_characters(app, db, built_with):
    named = {
        (c.__name__, f.name)
        for c in FORM_CLASSES
        if c.__module__ != "diaspora.mydata.forms"
        for f in _build_safely(app, c, built_with)
        if f.flags.name_text
    }
    assert {
        ("StaffRegistrationForm", "display_name"),
        ("AccountDetailsForm", "display_name"),
        ("OrganisationForm", "name"),
        ("OrganisationRegistrationForm", "name"),
        ("CohortForm", "name"),
        ("ProjectForm", "title"),
        ("MilestoneForm", "title"),
        ("TemplateForm", "name"),
        ("TokenForm", "name"),
    } <= named


def _build_safely(app, form_class, built_with):
    with app.test_request_context():
        return list(_build(form_class, MultiDict(), built_with))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=30))
def test_finding_2_the_filter_refuses_exactly_what_cannot_be_stored_or_shown(app, text):
    problem = text_problem(text, multiline=True)
    try:
        text.encode("utf-8")
        storable = NUL not in text
    except UnicodeEncodeError:
        storable = False
    if not storable:
        assert problem is not None
    if problem is None:
        assert all(ch in "\t\n\r" or ch.isprintable() or ord(ch) > 0x9F for ch in text)


# Request-level: forms ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [NUL, "\r\nX-Injected: 1", RLO, ZWSP, "\x1b[31m"])
def test_finding_2_sign_up_refuses_bad_names_keeps_input_and_stores_nothing(client, db, bad):
    data = {"display_name": f"Ann{bad}Example", "email": "ann@example.org", "password": PASSWORD}
    response = submit(client, "/account/register/staff", data)
    assert response.status_code == 200
    assert error_summary(response)[0].startswith("Full name must")
    html = response.get_data(as_text=True)
    assert "ann@example.org" in html and "Ann" in html
    assert db.session.query(User).filter_by(email="ann@example.org").count() == 0


def test_finding_2_account_details_refuse_nul_and_bidi(client, db, login_as):
    user = login_as("staff", name="Olu Example")
    for bad in (NUL, RLO, "\u2067"):
        response = submit(
            client, "/account/details", {"display_name": f"Olu{bad}", "time_zone": "Europe/London"}
        )
        assert response.status_code == 200
        assert error_summary(response) == [
            "Full name must not contain control characters"
            if bad == NUL
            else "Full name must not contain invisible characters, like direction marks or "
            "zero-width spaces"
        ]
    db.session.refresh(user)
    assert user.display_name == "Olu Example"


def test_finding_2_organisation_create_and_edit_refuse_line_breaks_in_names(client, db, make):
    owner = make.user(roles=["coordinator"])
    organisation = make.organisation(owner=owner, name="Alpha Hospital")
    sign_in(client, owner.email)
    fields = {"kind": "charity", "country": "GB", "website": "", "description": "Line 1\nLine 2"}
    for url in ("/organisations/new", f"/organisations/{organisation.id}/edit"):
        for bad in ("Beta\r\nClinic", f"Beta{NUL}", f"Beta{RLO}Clinic"):
            response = submit(client, url, {**fields, "name": bad})
            assert response.status_code == 200, (url, bad)
            assert error_summary(response)[0].startswith("Organisation name must")
            assert "Line 1\nLine 2" in response.get_data(as_text=True)
    # Optional fields too: a value of refused characters alone is not taken for nothing sent.
    response = submit(client, url, {**fields, "name": "Beta", "website": NUL})
    assert error_summary(response) == ["Website must not contain control characters"]
    db.session.refresh(organisation)
    assert organisation.name == "Alpha Hospital"
    assert db.session.query(Organisation).filter(Organisation.name.like("Beta%")).count() == 0


def test_finding_2_cohort_messages_refuse_nul_but_keep_line_breaks(client, db, make):
    charity = make.organisation(kind="charity", country="GB")
    coordinator = make.coordinator(charity)
    cohort = make.cohort(charity, created_by=coordinator, members=(make.user(),))
    sign_in(client, coordinator.email)
    url = f"/cohorts/{cohort.id}/message"
    response = submit(client, url, {"subject": "Hello", "body": f"Dear all,\n\nBad{NUL}byte"})
    assert response.status_code == 200
    assert error_summary(response) == ["Message must not contain control characters"]
    assert "Dear all," in response.get_data(as_text=True)
    response = submit(client, url, {"subject": "Hello\r\nBcc: x@example.org", "body": "Hi"})
    assert error_summary(response) == ["Subject must be on one line, without line breaks or tabs"]
    assert db.session.query(CohortMessage).count() == 0


def test_finding_2_admin_search_with_nul_or_controls_is_a_clear_400(client, login_as):
    login_as("admin")
    for query in ("%00", "a%1Bb", "%ED%A0%80", "x" * 600):
        response = client.get(f"/admin/users?q={query}")
        assert response.status_code in (200, 400), query
        if response.status_code == 400:
            assert "The web address must" in response.get_data(as_text=True)
    assert client.get("/admin/users?q=%00").status_code == 400
    assert client.get("/admin/users?q=Olu").status_code == 200


def test_a_refused_web_address_is_explained_in_the_readers_language(client, db):
    response = client.get("/?q=a%1Bb", headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert "Adresse web : les caractères de contrôle ne sont pas acceptés" in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "path", ["/account/verify/ab%00c", "/cohorts/join/x%00y", "/account/reset-password/%00"]
)
def test_finding_2_path_values_with_nul_are_not_found(client, db, path):
    assert client.get(path).status_code == 404


# Request-level: the API --------------------------------------------------------------------


@pytest.fixture
def owner_call(client, make, db):
    owner = make.user(roles=["coordinator"])
    organisation = make.organisation(owner=owner, name="Alpha Hospital")
    _, secret = tokens.create(db.session, owner, "test", "read-write")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

    def _call(method, path, raw: str):
        return client.open(API + path, method=method, data=raw.encode(), headers=headers)

    return organisation, _call


@pytest.mark.parametrize(
    ("raw_name", "message"),
    [
        (r'"Beta\u0000"', "control characters"),
        (r'"Beta\ud800"', "control characters"),
        (r'"Beta\r\nClinic"', "one line"),
        (r'"Beta\u202eClinic"', "invisible characters"),
        (r'"Beta\u200bClinic"', "invisible characters"),
    ],
)
def test_finding_2_api_organisation_patch_refuses_bad_names(owner_call, db, raw_name, message):
    organisation, call = owner_call
    response = call("PATCH", f"/organisations/{organisation.id}", f'{{"name": {raw_name}}}')
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    [error] = response.get_json()["errors"]
    assert error["pointer"] == "#/name" and message in error["detail"]
    db.session.refresh(organisation)
    assert organisation.name == "Alpha Hospital"


def test_finding_2_api_strings_anywhere_in_the_body_are_filtered(owner_call, db):
    organisation, call = owner_call
    body = r'{"description": "a\udc00", "website": "x", "de\u0000ep": 1, "extra": ["a\udc00"]}'
    response = call("PATCH", f"/organisations/{organisation.id}", body)
    assert response.status_code == 422
    errors = {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}
    # Every member is a field of the page's form, which filters it; any other is refused unread.
    assert errors == {
        "#/description": "What the organisation does must not contain control characters",
        "#/website": "Enter a website address in the correct format, like https://www.example.org",
        "#/de\ufffdep": "Unknown field.",
        "#/extra": "Unknown field.",
    }


def test_finding_2_api_opportunity_and_milestone_titles_are_names(owner_call, db):
    organisation, call = owner_call
    body = json.dumps({"organisation_id": organisation.id, "kind": "project", "title": "A\u202eB"})
    response = call("POST", "/opportunities", body)
    assert response.status_code == 422
    errors = {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}
    assert errors["#/title"] == (
        "Title must not contain invisible characters, like direction marks or zero-width spaces"
    )
    response = call("POST", "/plans/1/milestones", json.dumps({"title": "Line\nbreak"}))
    assert response.status_code in (404, 422)
    assert db.session.query(Milestone).filter(Milestone.title.like("Line%")).count() == 0


def test_finding_2_api_query_strings_are_filtered(owner_call):
    _, call = owner_call
    response = call("GET", "/organisations?kind=%00", "")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


# Finding 1: sizes --------------------------------------------------------------------------


@pytest.mark.app_config(MAX_CONTENT_LENGTH=1024)
def test_finding_1_a_large_anonymous_form_post_is_a_413_page(client, db):
    response = client.post(
        "/account/sign-in", data={"email": "a@example.org", "password": "x" * 2000}
    )
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)


def test_finding_1_the_default_limit_is_one_megabyte(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.config["MAX_FORM_MEMORY_SIZE"] <= 1024 * 1024
    assert app.config["MAX_FORM_PARTS"] <= 1000


def test_finding_1_a_huge_content_length_is_refused_before_the_body_is_read(client, db):
    class Unread(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = readlines = read1 = readinto = read

    response = client.post(
        "/account/sign-in",
        input_stream=Unread(),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(300 * 1024 * 1024)},
    )
    assert response.status_code == 413


@pytest.mark.app_config(MAX_CONTENT_LENGTH=1024)
def test_finding_1_a_chunked_body_over_the_limit_is_a_413(client, db):
    response = client.post(
        "/account/sign-in",
        input_stream=io.BytesIO(b"email=" + b"a" * 5000),
        headers={
            "Transfer-Encoding": "chunked",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        # As a server passing a chunked body on says it does: no length, the stream ends.
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


@pytest.mark.app_config(MAX_CONTENT_LENGTH=1024)
def test_finding_1_a_large_api_body_is_a_413_problem(owner_call):
    organisation, call = owner_call
    response = call("PATCH", f"/organisations/{organisation.id}", json.dumps({"x": "y" * 2000}))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("depth", [40, 5000, 100_000])
def test_finding_1_deeply_nested_json_is_a_4xx_problem(owner_call, depth):
    organisation, call = owner_call
    body = '{"description": ' + "[" * depth + "]" * depth + "}"
    response = call("PATCH", f"/organisations/{organisation.id}", body)
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"
