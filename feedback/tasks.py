from celery import shared_task

from feedback import emails, services


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),  # SMTP faults are OSErrors (smtplib.SMTPException included)
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_invitation(rater_id: int, token: str) -> None:
    # The token travels through the broker because only its hash is stored; a retry or a
    # duplicate delivery sends nothing once this token's email went out or was replaced.
    services.invitation_mark_sent(
        rater_id=rater_id,
        token=token,
        send=lambda rater: emails.invitation_send(rater=rater, token=token),
    )
