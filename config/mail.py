"""The development mail backend: each message printed as a person would read it.

Django's console backend prints the raw message, where quoted-printable encoding breaks
long lines with ``=`` and turns ``=`` into ``=3D``, so a verification link cannot be
copied from the terminal. This one prints the headers that matter and every text part
decoded. Production sends through SMTP (``config/settings/production.py``).
"""

from __future__ import annotations

from django.core.mail.backends import console

HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date")


class ReadableConsoleEmailBackend(console.EmailBackend):
    def write_message(self, message):
        mime = message.message()
        lines = [f"{name}: {mime[name]}" for name in HEADERS if mime[name]]
        for part in mime.walk():
            if part.get_content_maintype() != "text":
                if not part.is_multipart():
                    lines.append(f"[attachment: {part.get_filename() or part.get_content_type()}]")
                continue
            payload = part.get_payload(decode=True) or b""
            text = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
            lines += ["", f"--- {part.get_content_type()} ---", text.rstrip("\n")]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
