"""Static files fingerprinted, precompressed and cached for a year; pages compressed, with the
CSRF token masked afresh in every response (ADR 17)."""

import gzip
import json
import re

import brotli
import pytest
from flask import url_for

from diaspora.core.assets import IMMUTABLE, build, fingerprint
from diaspora.core.csrf import mask, unmask
from tests.helpers import CSRF, csrf_token, submit

BROTLI = {"Accept-Encoding": "br, gzip"}
GZIP = {"Accept-Encoding": "gzip"}


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_every_asset_by_its_fingerprint(client):
    urls = static_urls(client.get("/").get_data(as_text=True))
    assert {url.rsplit("/", 1)[-1].split(".")[0] for url in urls} >= {
        "nhsuk",
        "frontend",
        "favicon",
        "nhsuk-icon-180",
        "manifest",
    }
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.[a-z]+$", url), url


def test_static_files_are_cached_for_a_year_and_compressed_when_accepted(client, login_as):
    login_as("staff")  # signed in: pages are no-store, static files are not
    page = client.get("/", headers=BROTLI)
    assert page.headers["Cache-Control"] == "no-store"
    css = url_for("static", filename="nhsuk/nhsuk.css")
    for headers, encoding, decompress in (
        (BROTLI, "br", brotli.decompress),
        (GZIP, "gzip", gzip.decompress),
    ):
        response = client.get(css, headers=headers)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert ".nhsuk-header" in decompress(response.get_data()).decode()
        response.close()
    plain = client.get(css)
    assert "Content-Encoding" not in plain.headers
    assert ".nhsuk-header" in plain.get_data(as_text=True)
    plain.close()


def test_a_plain_name_is_cached_briefly_and_an_old_fingerprint_finds_the_current_file(client):
    plain = client.get("/static/nhsuk/nhsuk.css")
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "max-age=60, public"
    plain.close()
    old = client.get("/static/nhsuk/nhsuk.0123456789ab.css")
    assert old.status_code == 302
    assert re.fullmatch(r"/static/nhsuk/nhsuk\.[0-9a-f]{12}\.css", old.headers["Location"])
    current = client.get(old.headers["Location"])
    assert current.status_code == 200
    current.close()
    assert client.get("/static/nhsuk/missing.0123456789ab.css").status_code == 404
    assert client.get("/static/scss/nhsuk.scss").status_code == 404  # sources are not served


def test_the_build_fingerprints_references_between_files(tmp_path):
    static, dist = tmp_path / "static", tmp_path / "dist"
    (static / "nhsuk" / "assets" / "images").mkdir(parents=True)
    (static / "impact").mkdir()
    icon = b"<svg xmlns='http://www.w3.org/2000/svg'>" + b"<path/>" * 100 + b"</svg>"
    (static / "nhsuk" / "assets" / "images" / "cross.svg").write_bytes(icon)
    (static / "nhsuk" / "nhsuk.css").write_text(
        'a{background:url("assets/images/cross.svg")}' + "b{color:red}" * 100
    )
    (static / "nhsuk" / "assets" / "manifest.json").write_text(
        '{"icons": [{"src": "images/cross.svg"}]}'
    )
    manifest = build(static, dist)
    hashed_icon = fingerprint("cross.svg", icon)
    assert manifest["nhsuk/assets/images/cross.svg"] == f"nhsuk/assets/images/{hashed_icon}"
    css = (dist / manifest["nhsuk/nhsuk.css"]).read_text()
    assert f'url("assets/images/{hashed_icon}")' in css
    web_manifest = json.loads((dist / manifest["nhsuk/assets/manifest.json"]).read_text())
    assert web_manifest["icons"][0]["src"] == f"images/{hashed_icon}"
    assert manifest["nhsuk/nhsuk.css"] == fingerprint("nhsuk/nhsuk.css", css.encode())
    for name in ("nhsuk/nhsuk.css", manifest["nhsuk/nhsuk.css"]):
        assert brotli.decompress((dist / f"{name}.br").read_bytes()).decode() == css
        assert gzip.decompress((dist / f"{name}.gz").read_bytes()).decode() == css
    assert json.loads((dist / "manifest.json").read_text()) == manifest


def test_pages_are_compressed_when_accepted_and_stay_no_store_when_signed_in(client, login_as):
    anonymous = client.get("/", headers=BROTLI)
    assert anonymous.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in anonymous.headers["Vary"]
    assert "<h1>" in brotli.decompress(anonymous.get_data()).decode()
    assert "Content-Encoding" not in client.get("/").headers
    login_as("staff")
    page = client.get("/opportunities", headers=GZIP)
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip"
    assert page.headers["Cache-Control"] == "no-store"
    assert "<h1" in gzip.decompress(page.get_data()).decode()


def test_json_answers_are_compressed_when_accepted(client):
    response = client.get("/api/v1/openapi.json", headers=BROTLI)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert json.loads(brotli.decompress(response.get_data()))["openapi"].startswith("3.1")


def test_the_csrf_token_is_masked_afresh_in_every_response_and_still_works(client, login_as):
    login_as("staff")
    first = CSRF.findall(client.get("/account").get_data(as_text=True))
    second = CSRF.findall(client.get("/account").get_data(as_text=True))
    tokens = first + second
    assert len(tokens) >= 2
    assert len(set(tokens)) == len(tokens), "a token repeated: compression could reveal it"
    # One session token underneath (the part before the signature's timestamp).
    assert len({unmask(token).partition(".")[0] for token in tokens}) == 1
    response = submit(client, "/account/sign-out", {})
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # signed out: the masked token was valid


@pytest.mark.parametrize(
    "forged",
    ["", "not-base64!", "AAAA", mask("another-token")],
    ids=["empty", "not-base64", "too-short", "another-token"],
)
def test_a_token_that_does_not_unmask_to_the_session_token_is_refused(client, forged):
    csrf_token(client, "/account/sign-in")  # the session has a token
    response = client.post(
        "/account/sign-in",
        data={"email": "someone@example.org", "password": "x", "csrf_token": forged},
    )
    assert response.status_code == 400


def test_mask_and_unmask_are_inverse_and_random():
    token = "IjFhMmIzYyI.aBcDeF.signature-part_1"
    masks = {mask(token) for _ in range(20)}
    assert len(masks) == 20
    assert {unmask(masked) for masked in masks} == {token}
