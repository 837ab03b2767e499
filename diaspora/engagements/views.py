from flask import Blueprint

bp = Blueprint("engagements", __name__)
