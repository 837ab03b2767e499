"""Every table on the impact pages shows all its columns, the last included, on a desktop
screen and at 320 px: the return pipeline has a column for each of 12 months and a total."""

import pytest

from diaspora.auth.models import Role
from diaspora.contributions.models import HoursLog
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.milestones.models import Plan
from diaspora.milestones.services import add_months
from tests.factories import Factories

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1024, "height": 768}
# Each table's cells that cannot be read whole: a last cell of a row ending beyond what the
# page or a box around it shows (a header row the responsive pattern hides on phones aside),
# and a word split across two lines.
UNREADABLE = """() => {
  const out = [];
  const width = document.documentElement.clientWidth;
  for (const table of document.querySelectorAll('main table')) {
    const name = table.caption ? table.caption.textContent.trim() : '?';
    for (const row of table.querySelectorAll('tr')) {
      const head = row.closest('thead');
      if (head && head.getBoundingClientRect().height <= 1) continue;
      const cell = row.lastElementChild;
      const box = cell.getBoundingClientRect();
      let seen = width;
      for (let up = cell.parentElement; up; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== 'visible') {
          seen = Math.min(seen, up.getBoundingClientRect().right);
        }
      }
      if (box.width === 0 || box.right > seen + 1) {
        out.push(`${name}: "${cell.textContent.trim()}" ends at ${Math.round(box.right)} px,`
          + ` seen up to ${Math.round(seen)} px`);
      }
    }
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      for (const match of text.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(text, match.index);
        range.setEnd(text, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) out.push(`${name}: "${match[0]}" is split across lines`);
      }
    }
  }
  return out;
}"""


def test_impact_tables_show_their_last_column_on_desktop_and_phone(live_server, open_tab, browser):
    with live_server.app.app_context():
        make = Factories(db.session)
        admin = make.user(email="admin@example.org", roles=[Role.ADMIN])
        today = utcnow().date()
        for number, country in enumerate(("BD", "NG", "GH", "PK", "IN", "KE")):
            person = make.profile(make.user(), profession="midwife").user
            db.session.add(
                Plan(
                    owner=person,
                    scheme="Earn, learn and return",
                    starts_on=add_months(today, -20),
                    expected_end_on=add_months(today, number * 2 + 1),
                    return_country=country,
                    created_at=utcnow(),
                )
            )
        hospital = make.organisation(owner=make.user(roles=[]), name="Korle Bu", country="GH")
        engagement = make.engagement(
            make.opportunity(hospital, country="GH"), person, state="active", started_at=utcnow()
        )
        db.session.add(
            HoursLog(
                engagement=engagement,
                month=today.replace(day=1),
                minutes=150,
                learners_reached=12,
                status="approved",
            )
        )
        db.session.commit()
        email = admin.email

    for viewport in (DESKTOP, {"width": 320, "height": 640}):
        tab = open_tab(viewport=viewport)
        tab.sign_in(email)
        for path in ("/impact/returns", "/impact"):
            tab.visit(path)
            assert tab.page.locator("main table").count() >= 1, path
            unreadable = tab.page.evaluate(UNREADABLE)
            assert not unreadable, f"{path} at {viewport['width']} px:\n" + "\n".join(unreadable)
