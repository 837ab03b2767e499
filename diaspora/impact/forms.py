"""The date range of an impact page: a GET form (it changes nothing), so a range can be
bookmarked and printed."""

from datetime import date, timedelta

from diaspora.impact.services import Period
from diaspora.widgets import NhsDateField, NhsukForm

LONGEST = timedelta(days=366 * 10)


class RangeForm(NhsukForm):
    class Meta(NhsukForm.Meta):
        csrf = False

    start = NhsDateField(
        "From",
        description="For example, 1 4 2026",
        message_name="Start date",
        invalid_message="Start date must be a real date",
    )
    end = NhsDateField(
        "To",
        description="For example, 31 3 2027",
        message_name="End date",
        invalid_message="End date must be a real date",
    )

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        start, end = self.start.data, self.end.data
        if not self.start.errors and start is None:
            self.start.errors = ["Enter a start date"]
        if not self.end.errors and end is None:
            self.end.errors = ["Enter an end date"]
        if isinstance(start, date) and isinstance(end, date):
            if start.year < 2000:
                self.start.errors = ["Start date must be in or after 2000"]
            elif end < start:
                self.end.errors = ["End date must be the same as or after the start date"]
            elif end - start > LONGEST:
                self.end.errors = ["Choose a range of 10 years or less"]
        return not (self.start.errors or self.end.errors)

    def period(self, zone: str) -> Period:
        return Period(self.start.data, self.end.data, zone)


class ExportForm(RangeForm):
    """The same range, posted with a CSRF token: an export is audited, so it is a POST."""

    class Meta(NhsukForm.Meta):
        csrf = True
