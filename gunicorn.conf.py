"""gunicorn's settings, read from the directory it starts in: its own logs and the access log
share the application's handler (JSON lines in production), with each request's id and no link
token or query value. Everything else (bind, workers) is given on the command line."""

from diaspora.config import config_from_environment
from diaspora.core.logs import ACCESS_LOG_FORMAT, logging_config

accesslog = "-"
access_log_format = ACCESS_LOG_FORMAT
logconfig_dict = logging_config(json_lines=config_from_environment().LOG_FORMAT == "json")
