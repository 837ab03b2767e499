"""The date range of an impact page: a GET form (it changes nothing), so a range can be
bookmarked and printed."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from diaspora.impact.services import Period
from diaspora.widgets import NhsDateField, NhsukForm

LONGEST = timedelta(days=366 * 10)


class RangeForm(NhsukForm):
    class Meta(NhsukForm.Meta):
        csrf = False

    start = NhsDateField(
        _l("From"),
        description=_l("For example, 1 4 2026"),
        message_name=_l("Start date"),
        invalid_message=_l("Start date must be a real date"),
    )
    end = NhsDateField(
        _l("To"),
        description=_l("For example, 31 3 2027"),
        message_name=_l("End date"),
        invalid_message=_l("End date must be a real date"),
    )

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        start, end = self.start.data, self.end.data
        if not self.start.errors and start is None:
            self.start.errors = [_l("Enter a start date")]
        if not self.end.errors and end is None:
            self.end.errors = [_l("Enter an end date")]
        if isinstance(start, date) and isinstance(end, date):
            if start.year < 2000:
                self.start.errors = [_l("Start date must be in or after 2000")]
            elif end < start:
                self.end.errors = [_l("End date must be the same as or after the start date")]
            elif end - start > LONGEST:
                self.end.errors = [_l("Choose a range of 10 years or less")]
        # As text in the reader's language, so whoever shows them may join them.
        for field in (self.start, self.end):
            field.errors = [str(error) for error in field.errors]
        return not (self.start.errors or self.end.errors)

    def period(self, zone: str) -> Period:
        return Period(self.start.data, self.end.data, zone)


class ExportForm(RangeForm):
    """The same range, posted with a CSRF token: an export is audited, so it is a POST."""

    class Meta(NhsukForm.Meta):
        csrf = True
