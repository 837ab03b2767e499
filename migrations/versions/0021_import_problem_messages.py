"""import problem messages: each problem of an imported volunteer row kept as a message to show
in the reader's language

Revision ID: 0021_import_problem_messages
Revises: 0020_text_budgets
Create Date: 2026-12-22 00:00:00

`volunteer_imports.rows[*].problems` held English sentences; it now holds messages, each
`{"msgid": ..., "values": {...}}` (`diaspora.core.words.stored`). The sentences the importer
wrote are read back into their messages, so they too show in the reader's language; any other
text becomes a message of its own, shown as it was written.
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_import_problem_messages"
down_revision = "0020_text_budgets"
branch_labels = None
depends_on = None

imports = sa.table("volunteer_imports", sa.column("id", sa.Integer), sa.column("rows", sa.JSON))

LABELS = ("Name", "Email address", "Profession", "Countries", "Languages")
CELL = re.compile(rf"^({'|'.join(LABELS)}) (must .*)$")
TOO_LONG = re.compile(r"^must be ([\d,]+) characters or fewer$")
UNKNOWN = re.compile(r"^Unknown (profession|country|language): (.*)$", re.S)
SAME = re.compile(r"^Same email address as row (\d+)$")


def _message(msgid: str, **values: object) -> dict:
    return {"msgid": msgid, "values": values}


def _from_text(text: str) -> dict:
    """The message an English sentence of the importer's was made from."""
    if match := CELL.match(text):
        label, rest = _message(match[1]), match[2]
        if long := TOO_LONG.match(rest):
            return _message(
                "%(label)s must be %(limit)s characters or fewer", label=label, limit=long[1]
            )
        return _message(f"%(label)s {rest}", label=label)
    if match := UNKNOWN.match(text):
        return _message(f"Unknown {match[1]}: %(value)s", value=match[2])
    if match := SAME.match(text):
        return _message("Same email address as row %(row)s", row=int(match[1]))
    return _message(text)


def _english(message: object) -> str:
    """The message as the English sentence it was stored as before."""
    if not isinstance(message, dict):
        return str(message)
    values = {name: _english(value) for name, value in message.get("values", {}).items()}
    return message["msgid"] % values if values else message["msgid"]


def _rewrite(change) -> None:
    connection = op.get_bind()
    for import_id, rows in connection.execute(sa.select(imports.c.id, imports.c.rows)).all():
        if not rows:
            continue
        rows = [{**row, "problems": [change(p) for p in row.get("problems", [])]} for row in rows]
        connection.execute(imports.update().where(imports.c.id == import_id).values(rows=rows))


def upgrade():
    _rewrite(lambda problem: _from_text(problem) if isinstance(problem, str) else problem)


def downgrade():
    _rewrite(_english)
