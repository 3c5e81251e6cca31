from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


class SignupForm(UserCreationForm):
    first_name = forms.CharField(
        label="Your name", max_length=150, required=False, help_text="How the course greets you."
    )
    email = forms.EmailField(
        label="E-mail", help_text="Only to reset your password. Never shown to other learners."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account already uses this e-mail. Log in, or reset your password."
            )
        return email
