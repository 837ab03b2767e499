def test_home_page_renders_with_nhs_frontend(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/static/nhsuk/nhsuk-frontend.min.css" in html
    assert "<h1>" in html


def test_login_as_signs_in(client, login_as):
    user = login_as("admin")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert user.display_name in response.get_data(as_text=True)
