"""Prepared statements give what the same peewee query gives, for any values, built once."""
from tracker.extensions import db
from tracker.facts import ids_in
from tracker.models import Client, Gemeente, User
from tracker.prepared import Prepared


def test_a_prepared_join_gives_the_same_rows_as_the_query(app, world):
    built = []

    def build(user_id):
        built.append(user_id)
        return Client.select(Client, Gemeente).join(Gemeente).where(Client.user == user_id).limit(1)
    own = Prepared(build)
    with db.connection_context():
        for client in (world.client, world.other_client):
            got = own.first(user_id=client.user_id)
            assert got.id == client.id and got.gemeente.name == client.gemeente.name   # the join came along
        assert own.first(user_id=-1) is None
    assert len(built) == 1          # compiled once for this database


def test_a_prepared_id_list_and_converted_values(app, world):
    names = Prepared(lambda ids, name: User.select(User.username)
                     .where(ids_in(User.id, ids), User.username != name).order_by(User.username))
    with db.connection_context():
        ids = [world.cp.id, world.cp2.id, world.admin.id]
        assert [u.username for u in names.rows(ids=ids, name=world.cp2.username)] == sorted(
            [world.cp.username, world.admin.username])
        assert names.fetchall(ids=[], name="x") == []
        assert [row[0] for row in names.fetchall(ids=[world.cp2.id], name="x")] == [world.cp2.username]
