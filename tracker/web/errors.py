"""Friendly error pages and JSON errors: never a stack trace, always the user's language."""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _messages():
    return {
        400: _("Something in the request was not right. Please try again."),
        401: _("Please log in first."),
        403: _("You are not allowed to open this page."),
        404: _("We could not find this page."),
        405: _("This action is not possible here."),
        413: _("What you sent is too large."),
        429: _("Too many tries. Please wait a moment and try again."),
        500: _("Something went wrong on our side. What you saved before is safe. Please try again later."),
    }


def _render(code: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error=code, message=message), code
    return render_template("error.html", code=code, message=message), code


def init_app(app) -> None:
    """Register handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _render(400, _("This form was open too long or was sent twice. Please try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code = exc.code or 500
        return _render(code, _messages().get(code, exc.description or ""))

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500, _messages()[500])
