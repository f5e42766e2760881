"""Flask commands: migrate, demo, vapid-keys, plan, dispatch, scheduler, retention, backup, restore."""
import time
from pathlib import Path

import click

from . import db as database
from .extensions import db


def init_app(app) -> None:
    """Register the commands on the app."""

    @app.cli.command("migrate")
    def migrate_command():
        """Apply pending numbered migrations."""
        applied = database.migrate()
        click.echo("\n".join(f"applied: {name}" for name in applied) or "database is up to date")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only load when there is no gemeente yet.")
    def demo_command(if_empty):
        """Load the demo gemeente Nijkerk with demo accounts (password: mijnroute-demo)."""
        from . import demo
        from .models import Gemeente
        with db.connection_context():
            if if_empty and Gemeente.select().exists():
                click.echo("database has data; demo not loaded")
                return
            try:
                accounts = demo.load()
            except RuntimeError as exc:
                raise click.ClickException(str(exc))
        click.echo("Demo accounts (password: %s):" % demo.PASSWORD)
        for username, role in accounts:
            click.echo(f"  {username:28} {role}")

    @app.cli.command("vapid-keys")
    def vapid_keys_command():
        """Create the VAPID key pair once (instance/vapid_private.pem); never replaces an existing one."""
        from .notify import vapid
        if app.config.get("VAPID_PRIVATE_KEY"):
            raise click.ClickException("A VAPID key is configured (VAPID_PRIVATE_KEY); it is kept.")
        try:
            path, public = vapid.generate(Path(app.instance_path))
        except vapid.VapidError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"VAPID key written to {path}\npublic key: {public}")

    @app.cli.command("plan")
    def plan_command():
        """Plan due reminders into the outbox (the scheduler does this every 10 minutes)."""
        from .notify import planner
        with db.connection_context():
            click.echo(planner.plan())

    @app.cli.command("dispatch")
    @click.option("--loop", is_flag=True, help="Keep running; poll every few seconds.")
    @click.option("--batch", default=200, show_default=True)
    @click.option("--workers", default=8, show_default=True, help="Requests in flight at once.")
    @click.option("--processes", default=0, show_default=True,
                  help="Child processes that encrypt and send (0: threads in this process).")
    def dispatch_command(loop, batch, workers, processes):
        """Send due reminders (several dispatchers may run on PostgreSQL)."""
        from .notify import dispatch
        from .notify.setup import make_pusher
        pusher = make_pusher(app, workers=workers, processes=processes)
        try:
            while True:
                counts = dispatch.dispatch_all(pusher, batch=batch)
                if counts.get("claimed"):
                    click.echo(counts)
                if not loop:
                    break
                time.sleep(5)
        finally:
            if pusher:
                pusher.close()

    @app.cli.command("scheduler")
    def scheduler_command():
        """Run APScheduler in this process: planning and dispatch on a clock. Only one at a time."""
        from .notify import scheduler
        try:
            scheduler.run(app)
        except scheduler.AlreadyRunning as exc:
            raise click.ClickException(str(exc))

    @app.cli.command("retention")
    @click.option("--dry-run", is_flag=True, help="Only count; change nothing.")
    def retention_command(dry_run):
        """Anonymise clients whose duty ended longer ago than the gemeente's retention period (default 12 months)."""
        from . import privacy
        with db.connection_context():
            counts = privacy.run_retention(dry_run=dry_run)
        verb = "would anonymise" if dry_run else "anonymised"
        for name, count in counts.items():
            click.echo(f"{name}: {verb} {count}")
        click.echo(f"total: {verb} {sum(counts.values())}")

    @app.cli.command("backup")
    @click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path):
        """Write a consistent backup (SQLite: online backup API; PostgreSQL: pg_dump --format=custom)."""
        from . import backup
        url = app.config["DATABASE_URL"]
        path = path or backup.default_path(url, Path(app.instance_path) / "backups")
        try:
            written = backup.backup(url, path)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"{backup.database_kind(url)} backup written to {written} (keep it safe: it holds personal data)")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(path, yes):
        """Replace the database with a backup. Stop the web workers, scheduler and dispatchers first."""
        from . import backup
        url = app.config["DATABASE_URL"]
        if not yes:
            click.confirm(f"Replace everything in the {backup.database_kind(url)} database with {path}?", abort=True)
        try:
            backup.restore(url, path)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"restored from {path}")
        click.echo("Run `flask --app app retention` now. Clients erased or anonymised after this backup was made "
                   "are back in the database: do those erasures again.")
