"""Casework tools: monitoring (being built)."""
from flask import Blueprint

bp = Blueprint("monitoring", __name__)
