"""gunicorn's settings for every web process: the Dockerfile, docker-compose.yml and the
fault tests start it with ``-c config/gunicorn.py``; the command line adds bind and workers.

The access log is on (to standard output unless ``--access-logfile`` says otherwise),
and both of gunicorn's logs mask survey tokens (core/logs.py): the request line, the
path, the Referer and any other field of a custom ``access_log_format`` alike, because
the filter masks the finished line rather than chosen fields.
"""

from gunicorn.glogging import Logger

from core.logs import SurveyTokenFilter


class SurveyTokenMaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        # setup() runs again on every configuration reload (HUP): add the filter once.
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, SurveyTokenFilter) for f in log.filters):
                log.addFilter(SurveyTokenFilter())


logger_class = SurveyTokenMaskingLogger
accesslog = "-"
