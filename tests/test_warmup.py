"""A gunicorn worker compiles its templates and loads its catalogs before the first request, then
freezes them out of the garbage collector's sight (in a child process: freezing is process-wide).
create_app() alone does not: the CLI commands never render a page."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc, json, sys
from tracker import create_app
import runpy, types
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "x"})
# The production shape: gunicorn calls post_worker_init with the loaded app as worker.wsgi.
conf = runpy.run_path("deploy/gunicorn.conf.py")
conf["post_worker_init"](types.SimpleNamespace(wsgi=app))
from flask_babel import force_locale, get_translations
with app.test_request_context("/"):
    with force_locale("ar"):
        arabic = get_translations().ugettext("Log in")
print(json.dumps({"frozen": gc.get_freeze_count(), "templates": len(app.jinja_env.cache),
                  "all": len(app.jinja_env.list_templates(extensions=("html",))), "arabic": arabic}))
"""


def test_create_app_alone_does_not_warm_up(tmp_path):
    probe = "import gc, sys\nfrom tracker import create_app\ncreate_app({'DATABASE_URL': sys.argv[1]})\nprint(gc.get_freeze_count())"
    done = subprocess.run([sys.executable, "-c", probe, f"sqlite:///{tmp_path / 'w.sqlite3'}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "0"


def test_warm_up_compiles_templates_loads_catalogs_and_freezes(tmp_path):
    done = subprocess.run([sys.executable, "-c", PROBE, f"sqlite:///{tmp_path / 'w.sqlite3'}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["frozen"] > 10_000
    assert probe["templates"] >= probe["all"] > 40
    assert probe["arabic"] != "Log in"
