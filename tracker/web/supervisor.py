"""Casework tools: supervisor (being built)."""
from flask import Blueprint

bp = Blueprint("supervisor", __name__)
