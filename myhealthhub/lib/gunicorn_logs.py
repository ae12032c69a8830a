"""gunicorn's own lines in the format MYHEALTHHUB_LOG_FORMAT names.

gunicorn writes its arbiter's lines ("Listening at", "Booting worker") and
its access log through handlers of its own, which Django's LOGGING never
reaches: the arbiter does not load the app. Named on gunicorn's command line:
``--logger-class myhealthhub.lib.gunicorn_logs.Logger``.
"""

from __future__ import annotations

from typing import Any

from gunicorn import glogging

from myhealthhub.lib.logs import JsonFormatter, log_format


class Logger(glogging.Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if log_format() == "json":
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(JsonFormatter())
