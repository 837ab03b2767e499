"""Plain-text emails are not HTML: what people typed reaches them as they typed it."""

from flask import render_template, render_template_string


def test_text_templates_are_not_html_escaped_and_pages_are(app):
    with app.test_request_context():
        body = render_template(
            "notifications/engagement_nudge.txt",
            recipient={"display_name": "Siobhán O'Brien"},
            person={"display_name": "A & B <c>"},
            opportunity={"title": "Mother's health"},
            days=7,
            left=14,
        )
        page = render_template_string("{{ name }}", name="O'Brien <b>")
    assert "Siobhán O'Brien" in body and "A & B <c>" in body and "Mother's health" in body
    assert page == "O&#39;Brien &lt;b&gt;"
