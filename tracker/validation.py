"""The one error type for input that cannot be saved: field → error code (see web.labels.ERROR)."""


class FieldErrors(Exception):
    """Field errors (field → code) for input that cannot be saved; nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors
