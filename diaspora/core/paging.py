"""Page numbers for a list shown a page at a time."""

from math import ceil

from flask import request


class PageNumbers:
    """What pagination needs, with the same names as Flask-SQLAlchemy's, for any class that has
    `items`, `total`, `page` (counting from 1) and `per_page`."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def first_number(self) -> int:
        """The position of the first item on this page, counting from 1 (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


def requested_page() -> int:
    """The page number the address asks for: 1 when it names none, or none that makes sense."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def search_args(form_class: type) -> dict[str, str]:
    """A search's filters as sent (its form's fields only, so no page): for links and exports."""
    known = {field.name for field in form_class(formdata=None)}
    return {key: value for key, value in request.args.items() if key in known and value}
