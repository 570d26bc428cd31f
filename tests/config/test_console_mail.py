"""Mail printed in development reads as sent: a link can be copied from the terminal."""

import io

from django.core.mail import EmailMultiAlternatives

from config.mail import ReadableConsoleEmailBackend

LINK = "http://127.0.0.1:8000/accounts/confirm-email/MjE:1vSxyz:" + "a" * 60 + "/?next=%2Fexpert%2F&lang=en"


def test_the_verification_link_is_printed_whole_on_one_line():
    stream = io.StringIO()
    connection = ReadableConsoleEmailBackend(stream=stream)
    message = EmailMultiAlternatives(
        subject="Confirm your email — Expert Marketplace",
        body=f"Hello Zoë,\n\nConfirm your address by opening this link:\n{LINK}\n",
        to=["zoe@example.com"],
        connection=connection,
    )
    message.attach_alternative(f'<p><a href="{LINK}">Confirm</a></p>', "text/html")
    message.send()

    printed = stream.getvalue()
    assert LINK in printed.splitlines()
    assert "Subject: Confirm your email — Expert Marketplace" in printed
    assert "Hello Zoë," in printed
    assert "=3D" not in printed and "=\n" not in printed


def test_development_prints_mail_with_the_readable_backend(settings):
    from config.settings import base

    assert base.MAILERS["default"]["BACKEND"] == "config.mail.ReadableConsoleEmailBackend"
