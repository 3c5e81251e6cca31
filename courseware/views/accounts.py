from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .. import throttle
from ..forms import SignupForm


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="courseware.roles.RoleAwareBackend")
        messages.success(request, f"Welcome, {user.first_name or user.username}! Your account is ready.")
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


def _client(request: HttpRequest) -> str:
    """The client's address as django-axes sees it (PROXY_COUNT aware)."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, with the number of e-mails per address and per client bounded.

    The answer is the same whether or not an account has the address, so the limit reveals nothing.
    """

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        over_client = throttle.RESET_PER_CLIENT.hit(_client(self.request))
        if over_client or throttle.RESET_PER_EMAIL.hit(email):
            limit = throttle.RESET_PER_CLIENT if over_client else throttle.RESET_PER_EMAIL
            form.add_error(None, (
                "We have already sent several reset e-mails"
                f"{'' if over_client else ' to this address'} recently. Check your inbox (and the spam folder), "
                f"or try again in {limit.window_text}."
            ))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's change view; after five wrong old passwords the account waits 15 minutes."""

    def post(self, request, *args, **kwargs):
        who = str(request.user.pk)
        form = self.get_form()
        if throttle.WRONG_OLD_PASSWORD.exceeded(who):
            form.is_valid()  # bind, so the page shows the fields as typed
            form.errors.clear()
            form.add_error(None, (
                "Too many wrong current passwords. For your account's safety, wait "
                f"{throttle.WRONG_OLD_PASSWORD.window_text} and try again, or log out and reset your password by e-mail."
            ))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.is_valid():
            throttle.WRONG_OLD_PASSWORD.clear(who)
            return self.form_valid(form)
        if "old_password" in form.errors:
            throttle.WRONG_OLD_PASSWORD.hit(who)
        return self.form_invalid(form)
