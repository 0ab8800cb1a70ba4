from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    """A person's development plan: the focus behaviours they picked from their report,
    the actions they set themself with due dates, check-in emails, and their manager's
    comments once they share it.

    Between feedback and reports in the layers: it speaks the questionnaire's vocabulary
    (``feedback.vocabulary``) and knows requests, and the report page reads the focus
    behaviours from here (``development.selectors``), never the other way round.
    """

    name = "development"
    verbose_name = "Development plans"
