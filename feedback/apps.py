from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback collection"

    def ready(self):
        # Imported here, as Django requires: services import models.
        from accounts.signals import person_deactivated
        from feedback.services import rater_invitations_withdraw

        def withdraw(sender, person, **kwargs):
            rater_invitations_withdraw(person=person)

        person_deactivated.connect(withdraw, weak=False, dispatch_uid="feedback_withdraw")
