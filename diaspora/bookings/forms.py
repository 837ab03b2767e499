"""Forms of the bookings pages. Booking, cancelling and the calendar link are buttons only
(an empty NhsukForm carries the CSRF token); attendance is a list of checkboxes."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField
from wtforms.widgets import CheckboxInput

from diaspora.widgets import CheckboxList, NhsukForm


class BookForm(NhsukForm):
    # "yes" from the "Join the waiting list" button: a full session queues the person rather
    # than refusing. The "Book a place" button sends nothing.
    waiting = HiddenField()

    @property
    def join_waiting_list(self) -> bool:
        return self.waiting.data == "yes"


class AttendanceForm(NhsukForm):
    attended = SelectMultipleField(
        _l("Who attended?"),
        description=_l(
            "Select everyone who joined the session. Anyone not selected is recorded "
            "as not attending."
        ),
        choices=[],
        coerce=int,
        widget=CheckboxList(),
        option_widget=CheckboxInput(),
    )

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.attended.choices = people
