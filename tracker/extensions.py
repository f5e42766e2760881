"""Unbound extension singletons, bound to an app in create_app()."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from peewee import DatabaseProxy

db = DatabaseProxy()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
