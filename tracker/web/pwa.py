"""The installable app: manifest, service worker from the root, offline page, install guide."""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_babel import get_locale, gettext as _

from .. import i18n
from .access import allow

bp = Blueprint("pwa", __name__)

# The app shell: what the service worker keeps so the app opens without a network.
SHELL = ["build/app.css", "js/app.js", "js/queue.js", "icons/sprite.svg", "icons/icon-192.png", "icons/icon-512.png",
         "icons/maskable-512.png", "icons/favicon-32.png"]
# Pages the service worker keeps after a visit, so they open offline (own data only, cleared at logout).
OFFLINE_PAGES = ["statushouder.home", "statushouder.plan", "statushouder.steps", "statushouder.logbook",
                 "statushouder.exam", "statushouder.appointments", "statushouder.help", "reminders.inbox"]


@lru_cache(maxsize=4)
def shell_version(static_folder: str) -> str:
    """A hash of the shell files and the service worker: a new version makes phones update."""
    digest = hashlib.sha256()
    root = Path(static_folder)
    for name in SHELL + ["js/sw.js"]:
        path = root / name
        digest.update(name.encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/manifest.webmanifest")
@allow("public")
def manifest():
    """The web app manifest, in the user's language and text direction."""
    code = str(get_locale() or i18n.DEFAULT)
    icon = lambda name, size, purpose: {  # noqa: E731 - a small local constructor reads best here
        "src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}", "type": "image/png",
        "purpose": purpose}
    body = {
        "id": "/",
        "name": "Mijn Route",
        "short_name": "Mijn Route",
        "description": _("Your inburgering: your plan, your hours, your appointments."),
        "start_url": "/?source=app",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#1b4f72",
        "lang": code.replace("_", "-"),
        "dir": i18n.text_direction(code),
        "icons": [icon("icon-192.png", 192, "any"), icon("icon-512.png", 512, "any"),
                  icon("maskable-512.png", 512, "maskable")],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
@allow("public")
def service_worker():
    """The service worker, served from the root so its scope is the whole app; never cached by HTTP."""
    static = current_app.static_folder
    source = (Path(static) / "js" / "sw.js").read_text()
    version = shell_version(static)
    pages = [url_for(endpoint) for endpoint in OFFLINE_PAGES]
    shell = [url_for("static", filename=name) for name in SHELL] + [url_for("pwa.offline")]
    source = (source.replace("__VERSION__", version)
              .replace("__SHELL__", _js_list(shell))
              .replace("__PAGES__", _js_list(pages)))
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _js_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


@bp.get("/offline")
@allow("public")
def offline():
    """Shown by the service worker when a page was never visited and there is no network."""
    return render_template("pwa/offline.html")


@bp.get("/install")
@allow("public")
def install():
    """How to put the app on the home screen (Android and iPhone)."""
    return render_template("pwa/install.html")
