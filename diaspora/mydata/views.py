from flask import Blueprint

bp = Blueprint("mydata", __name__, url_prefix="/account/my-data")
