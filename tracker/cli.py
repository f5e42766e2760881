"""Flask commands: migrate, demo, create-gemeente-admin."""
import click
from flask import current_app

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
