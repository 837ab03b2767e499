import re

from flask import url_for


def test_home_page_renders_with_nhs_frontend(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r"/static/nhsuk/nhsuk\.[0-9a-f]{12}\.css", html)
    assert "assets.nhs.uk" not in html
    assert "<h1>" in html


def test_login_as_signs_in(client, login_as):
    user = login_as("admin")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert user.display_name in response.get_data(as_text=True)


def test_compiled_stylesheet_references_no_other_host(client):
    response = client.get(url_for("static", filename="nhsuk/nhsuk.css"))
    css = response.get_data(as_text=True)
    response.close()
    assert ".nhsuk-header" in css
    assert "https://" not in css
    assert "http://" not in css
