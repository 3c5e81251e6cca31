from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lab_list(request: HttpRequest) -> HttpResponse:
    return render(request, "labs/index.html")
