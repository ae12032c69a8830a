"""E-mail for an instance with no mail server: printed in the terminal that runs it.

`myhealthhub serve` uses this backend until MYHEALTHHUB_EMAIL_HOST is set.
Each e-mail is printed whole, as Django's console backend prints it, then the
one line a person is looking for in it, if it has one ("Sign-up code for
ana@example.org: K7PQ2M"), marked so that it stands out from the access log.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.core.mail.backends import console

BACKEND = "myhealthhub.accounts.console_mail.EmailBackend"
PRINTING_BACKENDS = frozenset({BACKEND, "django.core.mail.backends.console.EmailBackend"})
MARK = ">>>"
_NOTE = "myhealthhub_terminal_note"


def prints_to_terminal(backend: str) -> bool:
    """Whether e-mails sent through ``backend`` (settings.EMAIL_BACKEND) end up in the terminal."""
    return backend in PRINTING_BACKENDS


def add_terminal_note(message: EmailMessage, line: str) -> None:
    """Have this backend print ``line`` on its own under ``message``; others ignore it."""
    setattr(message, _NOTE, line)


def terminal_note(message: EmailMessage) -> str:
    return str(getattr(message, _NOTE, ""))


class EmailBackend(console.EmailBackend):
    def write_message(self, message: EmailMessage) -> None:
        super().write_message(message)
        note = terminal_note(message)
        if note:
            self.stream.write(f"{MARK} {note}\n")
