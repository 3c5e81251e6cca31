"""Plain factories for the objects tests need (no factory library: a function per thing)."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import User

from courseware.roles import make_instructor

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(username: str | None = None, *, instructor: bool = False, **fields) -> User:
    n = next(_counter)
    username = username or f"user{n}"
    fields.setdefault("email", f"{username}@example.com")
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    if instructor:
        make_instructor(user)
    return user
