from django.conf import settings
from django.http import HttpRequest

from .roles import is_instructor


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "user_is_instructor": is_instructor(request.user) if hasattr(request, "user") else False,
    }
