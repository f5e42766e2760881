"""The numbered migrations build exactly the schema the models describe, on both databases."""
from playhouse.schema_diff import diff_models

from tracker import db as database
from tracker.extensions import db
from tracker.models import MODELS


def test_migrated_schema_matches_the_models(app):
    with db.connection_context():
        assert database.pending_migrations() == []
        diff = diff_models(db.obj, MODELS)
    assert not diff, str(diff)
