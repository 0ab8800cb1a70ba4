from celery import shared_task

from accounts import emails


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),  # SMTP faults are OSErrors (smtplib.SMTPException included)
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_login_invitation(user_id: int) -> None:
    emails.login_invitation_send(user_id=user_id)
