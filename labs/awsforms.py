"""The forms of the AWS deployment pages (labs/views/aws.py)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from .models import AwsDeployment

HOURS = (0.5, 1, 2, 4, 8, 12, 24)


class RoleForm(forms.Form):
    role_arn = forms.CharField(label="Your role's ARN (the stack's RoleArn output)", max_length=2048, required=False,
                               widget=forms.TextInput(attrs={"placeholder": "arn:aws:iam::123456789012:role/GatewayAcademyDeployer",
                                                             "autocomplete": "off", "spellcheck": "false",
                                                             "class": "form-control font-monospace"}))


class PlanForm(forms.Form):
    region = forms.ChoiceField(label="Region", widget=forms.Select(attrs={"class": "form-select"}))
    stage = forms.ChoiceField(label="Stage", required=False, widget=forms.Select(attrs={"class": "form-select"}))
    hours = forms.TypedChoiceField(label="Tear it down automatically after", coerce=float,
                                   widget=forms.Select(attrs={"class": "form-select"}))
    credential = forms.ChoiceField(label="Credentials", widget=forms.RadioSelect)

    def __init__(self, *args, stages: list[str], credentials: list[tuple[str, str]], **kwargs) -> None:
        kwargs.setdefault("initial", {"region": settings.AWS_DEPLOY_REGIONS[0] if settings.AWS_DEPLOY_REGIONS else "",
                                      "hours": float(settings.AWS_DEPLOY_DEFAULT_HOURS), "credential": credentials[0][0]})
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r, r) for r in settings.AWS_DEPLOY_REGIONS]
        self.fields["stage"].choices = [("", "Every stage of the design" if stages else "dev (the design has no stage)")] + [
            (s, s) for s in stages]
        self.fields["hours"].choices = [(float(h), f"{h:g} hour{'s' if h != 1 else ''}") for h in HOURS
                                        if h <= settings.AWS_DEPLOY_MAX_HOURS]
        self.fields["credential"].choices = credentials


class CredentialsForm(forms.Form):
    """Pasted temporary credentials, for one run. Never rendered back with what was typed."""

    credentials = forms.CharField(
        label="Temporary credentials", max_length=10_000, required=False, strip=True,
        help_text="The export lines, PowerShell lines, a credentials-file block or the JSON of aws sts get-session-token. "
                  "The site seals them for at most 15 minutes and forgets them once the run starts.",
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false", "class": "form-control font-monospace"}))


class ResumeForm(CredentialsForm):
    rollback = forms.BooleanField(required=False)


def needs_credentials(row: AwsDeployment) -> bool:
    return row.credential == AwsDeployment.Credential.PASTED
