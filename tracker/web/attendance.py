"""Casework tools: attendance (being built)."""
from flask import Blueprint

bp = Blueprint("attendance", __name__)
