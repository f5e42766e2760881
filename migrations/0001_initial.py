"""Initial schema: gemeenten, users, client files, PIP versions, steps, sessions, entries, exams, appointments, audit log."""
from peewee import *

import uuid


def up(migrator, db):
    class Gemeente(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        name = CharField(max_length=120)
        slug = CharField(unique=True, max_length=60)
        timezone = CharField(max_length=60, default='Europe/Amsterdam')
        settings = TextField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'gemeente'
    db.create_tables([Gemeente])

    class User(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        gemeente = ForeignKeyField(Gemeente, on_delete='RESTRICT')
        role = CharField(index=True, max_length=20)
        username = CharField(unique=True, max_length=80)
        name = CharField(max_length=120)
        email = CharField(null=True, max_length=200)
        phone = CharField(null=True, max_length=40)
        password_hash = CharField(null=True)
        locale = CharField(max_length=10, default='nl')
        session_token = CharField(max_length=64)
        active = BooleanField(default=True)
        failed_logins = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        last_login_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class ActivationCode(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        code_hash = CharField(unique=True, max_length=64)
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'activation_code'
    db.create_tables([ActivationCode])

    class Client(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        gemeente = ForeignKeyField(Gemeente, on_delete='RESTRICT')
        contactpersoon = ForeignKeyField(User, null=True, on_delete='SET NULL')
        duty_start = DateField(null=True)
        coupled_on = DateField()
        maatschappelijk_begeleider = CharField(null=True, max_length=200)
        pvt_signed_on = DateField(null=True)
        map_eindgesprek_on = DateField(null=True)
        z_eindgesprek_on = DateField(null=True)
        taalschakel_done_on = DateField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'client'
            indexes = ((('gemeente', 'contactpersoon'), False),)
    db.create_tables([Client])

    class Appointment(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        client = ForeignKeyField(Client, on_delete='CASCADE')
        kind = CharField(max_length=40)
        starts_at = DateTimeField(index=True)
        location = CharField(null=True, max_length=200)
        with_whom = CharField(null=True, max_length=200)
        notes = TextField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'appointment'
            indexes = ((('client', 'starts_at'), False),)
    db.create_tables([Appointment])

    class AuditLog(Model):
        gemeente = ForeignKeyField(Gemeente, null=True, on_delete='SET NULL')
        actor = ForeignKeyField(User, null=True, on_delete='SET NULL')
        client = ForeignKeyField(Client, null=True, on_delete='SET NULL')
        action = CharField(index=True, max_length=60)
        object_type = CharField(max_length=40)
        object_id = CharField(max_length=64)
        before = TextField(null=True)
        after = TextField(null=True)
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'audit_log'
    db.create_tables([AuditLog])

    class GroupSession(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        gemeente = ForeignKeyField(Gemeente, on_delete='CASCADE')
        category = CharField(max_length=40)
        title = CharField(max_length=200)
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField()
        location = CharField(null=True, max_length=200)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'group_session'
    db.create_tables([GroupSession])

    class Entry(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        client_uuid = UUIDField(unique=True)
        client = ForeignKeyField(Client, on_delete='CASCADE')
        session = ForeignKeyField(GroupSession, null=True, on_delete='SET NULL')
        category = CharField(max_length=40)
        entry_date = DateField()
        hours = DecimalField(max_digits=5, decimal_places=2)
        physical = BooleanField(default=True)
        place = CharField(null=True, max_length=200)
        note = TextField(null=True)
        status = CharField(max_length=20, default='SUBMITTED')
        rejection_reason = TextField(null=True)
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'entry'
            indexes = ((('client', 'entry_date'), False), (('client', 'status'), False), (('status', 'created_at'), False))
    db.create_tables([Entry])

    class ExamPart(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        client = ForeignKeyField(Client, on_delete='CASCADE')
        code = CharField(max_length=40)
        niveau = CharField(null=True, max_length=2)
        free_attempts_used_before = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'exam_part'
            indexes = ((('client', 'code'), True),)
    db.create_tables([ExamPart])

    class ExamAttempt(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        part = ForeignKeyField(ExamPart, on_delete='CASCADE')
        exam_date = DateField()
        niveau = CharField(null=True, max_length=2)
        result = CharField(null=True, max_length=10)
        reason_no_result = CharField(null=True, max_length=20)
        counts_as_free = BooleanField(default=True)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'exam_attempt'
    db.create_tables([ExamAttempt])

    class PipVersion(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        client = ForeignKeyField(Client, on_delete='CASCADE')
        version = IntegerField()
        dagtekening = DateField()
        leerroute = CharField(max_length=1)
        niveau = CharField(null=True, max_length=2)
        local_label = CharField(null=True, max_length=80)
        geschatte_intensiteit_b1 = IntegerField(null=True)
        change_reason = CharField(max_length=20)
        agreements = TextField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'pip_version'
            indexes = ((('client', 'version'), True),)
    db.create_tables([PipVersion])

    class Step(Model):
        client = ForeignKeyField(Client, on_delete='CASCADE')
        code = CharField(max_length=30)
        status = CharField(max_length=20, default='TODO')
        date = DateField(null=True)
        note = CharField(null=True, max_length=500)
        updated_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'step'
            indexes = ((('client', 'code'), True),)
    db.create_tables([Step])

    class Verlenging(Model):
        public_id = UUIDField(unique=True, default=uuid.uuid4)
        client = ForeignKeyField(Client, on_delete='CASCADE')
        einddatum = DateField()
        grond = CharField(max_length=200)
        decided_on = DateField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'verlenging'
    db.create_tables([Verlenging])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('verlenging'))
    migrator.migrate(migrator.drop_table('step'))
    migrator.migrate(migrator.drop_table('pip_version'))
    migrator.migrate(migrator.drop_table('exam_attempt'))
    migrator.migrate(migrator.drop_table('exam_part'))
    migrator.migrate(migrator.drop_table('entry'))
    migrator.migrate(migrator.drop_table('group_session'))
    migrator.migrate(migrator.drop_table('audit_log'))
    migrator.migrate(migrator.drop_table('appointment'))
    migrator.migrate(migrator.drop_table('client'))
    migrator.migrate(migrator.drop_table('activation_code'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('gemeente'))

