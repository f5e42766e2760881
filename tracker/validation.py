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
