from flask import Blueprint

bp = Blueprint("contributions", __name__)
