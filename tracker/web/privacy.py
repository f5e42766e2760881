"""Privacy (AVG): the privacy page, a statushouder's own data export, and the admin's erasure."""
from flask import Blueprint

bp = Blueprint("privacy", __name__)
