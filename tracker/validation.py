"""Input checks shared by every form and API call; errors are field → code (see web.labels.ERROR)."""
import datetime


class FieldErrors(Exception):
    """Field errors (field → code) for input that cannot be saved; nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def clean(value, limit: int, field: str, errors: dict, required: bool = False) -> str | None:
    """Strip control characters and surrounding space; note too-long and missing values in `errors`."""
    text = "".join(ch for ch in (value or "") if ch in "\n\t" or ch.isprintable()).strip()
    if len(text) > limit:
        errors[field] = "too_long"
    elif required and not text:
        errors[field] = "required"
    return text or None


def parse_date(raw, field: str, errors: dict, required: bool = True) -> datetime.date | None:
    """ISO text → date; record 'required' or 'invalid' in `errors`."""
    if raw in (None, ""):
        if required:
            errors[field] = "required"
        return None
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw).strip())
    except ValueError:
        errors[field] = "invalid"
        return None


def page_number(args, most: int = 1000) -> int:
    """?page=N of a paged list: anything that is not a whole number from 1 to `most` is the first or
    last allowed page (a huge number would overflow the database's OFFSET)."""
    try:
        page = int(str(args.get("page") or 1))
    except ValueError:
        return 1
    return max(1, min(page, most))
