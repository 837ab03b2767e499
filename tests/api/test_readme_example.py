"""The README's worked example, followed literally as the demo partner against the demo world.

The requests are read from the README's code blocks (the curl lines), so a change to the
README that breaks the example breaks this test, and so does a change to the API.
"""

import json
import re
import shlex
from pathlib import Path

from sqlalchemy import select

from demo import load_demo
from diaspora.api import tokens
from diaspora.auth.models import User
from diaspora.opportunities.models import Opportunity
from diaspora.organisations.models import Organisation

README = Path(__file__).resolve().parents[2] / "README.md"
SERVER = "http://127.0.0.1:5000"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### A worked example")
    return text[start : text.index("\n## ", start)]


def _curls(section: str) -> list[list[str]]:
    """Each curl command of the section's sh blocks, split as the shell would split it."""
    commands: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        for word in shlex.split(block.replace("\\\n", " "), comments=True):
            if word == "curl":
                commands.append([])
            elif commands and not word.startswith(("export", "TOKEN=")):
                commands[-1].append(word)
    return commands


def _request(command: list[str], token: str) -> tuple[str, str, dict | None]:
    """Method, path and JSON body of a curl command, with $TOKEN given."""
    method, body, url = "GET", None, None
    words = iter(command)
    for word in words:
        if word == "-X":
            method = next(words)
        elif word == "-H":
            header = next(words)
            assert header in ("Authorization: Bearer $TOKEN", "Content-Type: application/json")
        elif word == "-d":
            body = json.loads(next(words))
        else:
            url = word
    assert url is not None and url.startswith(SERVER + "/api/v1/"), url
    assert token
    return method, url.removeprefix(SERVER), body


def test_the_readme_example_works_for_the_demo_partner(app, db, client):
    load_demo()
    db.session.commit()
    partner = db.session.scalar(select(User).where(User.email == "partner@demo.test"))
    _, token = tokens.create(db.session, partner, "Rota system", "read-write")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    commands = _curls(_example())
    assert len(commands) == 3, "the example has a lookup, a post and a list of bookings"
    lookup, post, bookings = (_request(command, token) for command in commands)

    method, path, _ = lookup
    answer = client.open(path, method=method, headers=headers)
    assert answer.status_code == 200
    dhaka = db.session.scalar(
        select(Organisation).where(Organisation.name == "Dhaka Medical College Hospital")
    )
    assert [(o["id"], o["name"]) for o in answer.json["items"]] == [(dhaka.id, dhaka.name)]

    method, path, body = post
    answer = client.open(path, method=method, json=body, headers=headers)
    assert answer.status_code == 201, answer.json
    created = db.session.get(Opportunity, answer.json["id"])
    assert created.organisation_id == dhaka.id
    assert len(answer.json["sessions"]) == body["occurrences"]

    answer = client.post(f"/api/v1/opportunities/{created.id}/publish", headers=headers)
    assert answer.status_code == 200, answer.json

    method, path, _ = bookings
    session_id = answer.json["sessions"][0]["id"]
    answer = client.open(
        path.replace("SESSION_ID", str(session_id)), method=method, headers=headers
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["items"] == []


def test_leaving_out_the_organisation_is_refused_for_a_member_of_several(app, db, call, make):
    partner = make.user(roles=[])
    for name in ("First hospital", "Second hospital"):
        make.organisation(name=name, owner=partner)
    body = {"kind": "project", "title": "A project"}

    answer = call(partner, "POST", "/opportunities", json=body)

    assert answer.status_code == 422
    assert answer.json["errors"] == [
        {
            "pointer": "#/organisation_id",
            "detail": "You may post for 2 organisations: give the id of the one to post for "
            "(GET /api/v1/organisations lists them).",
        }
    ]


def test_leaving_out_the_organisation_is_forbidden_without_one(app, db, call, make):
    staff = make.user()

    answer = call(staff, "POST", "/opportunities", json={"kind": "project", "title": "A project"})

    assert answer.status_code == 403
    assert answer.content_type == "application/problem+json"
