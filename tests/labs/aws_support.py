"""Shared set-up for the AWS deployment tests: moto as a server (tests/apigw/moto_server.py), the site's
settings pointed at it, a solved lab with its Lambda functions made in moto, and the learner's role."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from labs.models import AwsDeployment, LabAttempt

from ..apigw.moto_server import REGION, Moto, aws, moto  # noqa: F401 — fixtures
from ..test_sandbox_web import solved

SLUG = "rest-order-service"
SITE_PRINCIPAL = "arn:aws:iam::111122223333:role/gateway-academy-site"
# Shaped like real ones, so the redactor's shape rules are not what hides them
PASTED_KEY = "ASIAQWERTYUIOPASDFGH"
PASTED_SECRET = "Zx9vB7nM5qW3eR1tY8uI6oP4aS2dF0gHjKlQwErT"
PASTED_TOKEN = "IQoJb3JpZ2luX2VjEPastedSessionTokenForTheTestOnly" + "Xy7" * 40
PASTED = f"export AWS_ACCESS_KEY_ID={PASTED_KEY}\nexport AWS_SECRET_ACCESS_KEY={PASTED_SECRET}\nexport AWS_SESSION_TOKEN={PASTED_TOKEN}\n"


@pytest.fixture
def site_aws(aws, settings):
    settings.AWS_DEPLOY_ENDPOINT_URL = aws.endpoint
    settings.AWS_SITE_PRINCIPAL = SITE_PRINCIPAL
    settings.AWS_ROLE_TEMPLATE_URL = ""
    settings.AWS_DEPLOY_SERVER_CREDENTIALS = False
    return aws


def lab_functions(aws: Moto, attempt: LabAttempt) -> None:
    from labs.apigw.deploy import make_plan

    design, _ = attempt.read_design()
    names = sorted({f.split(":function:")[1].split(":")[0] for f in make_plan(design, region=REGION).functions})
    aws.create_functions(*names)


def make_role(aws: Moto) -> str:
    iam = aws.client("iam")
    return iam.create_role(RoleName="GatewayAcademyDeployer", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": SITE_PRINCIPAL},
                                                 "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]


@pytest.fixture
def ready(learner_client, course, site_aws):
    """A solved lab, its functions in moto, the learner's role connected."""
    attempt = solved(learner_client, SLUG)
    lab_functions(site_aws, attempt)
    arn = make_role(site_aws)
    response = learner_client.post(reverse("labs:aws_role", args=[attempt.pk]), {"role_arn": arn})
    assert response.status_code == 302
    return attempt


def plan(client, attempt, **fields) -> AwsDeployment:
    data = {"region": REGION, "stage": "", "hours": "2.0", "credential": "role", **fields}
    response = client.post(reverse("labs:aws_plan", args=[attempt.pk]), data)
    assert response.status_code == 302, response.content[:500]
    row = attempt.aws_deployments.order_by("-updated_at").first()
    assert response["Location"] == reverse("labs:aws_plan_page", args=[attempt.pk, row.pk])
    return row


def apply(client, row, **fields):
    return client.post(reverse("labs:aws_apply", args=[row.attempt_id, row.pk]), fields)


def teardown(client, row, **fields):
    return client.post(reverse("labs:aws_teardown", args=[row.attempt_id, row.pk]), fields)


def progress(client, row) -> str:
    response = client.get(reverse("labs:aws_progress", args=[row.attempt_id, row.pk]))
    assert response.status_code == 200
    return response.content.decode()
