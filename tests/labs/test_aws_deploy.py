"""Deploying a lab design to the learner's AWS account from the web (issue 11): plain POSTs with the
test client, the immediate task backend, moto as a server over HTTP behind the fault-injecting proxy."""

from __future__ import annotations

import html
import json

from django.urls import reverse

from courseware.models import LearningEvent
from labs.models import AwsAccountLink, AwsDeployment

from ..apigw.test_deploy_moto import account_is_empty
from .aws_support import (  # noqa: F401 — fixtures
    REGION,
    apply,
    aws,
    moto,
    plan,
    progress,
    ready,
    site_aws,
    teardown,
)


def test_deploy_page_offers_the_role_template_with_the_learners_own_external_id(learner_client, ready):
    page = learner_client.get(reverse("labs:aws", args=[ready.pk])).content.decode()
    link = AwsAccountLink.objects.get(user=ready.user)
    assert link.external_id in page and "AWS::IAM::Role" in page and "sts:ExternalId" in html.unescape(page)
    assert 'for="id_region"' in page and 'for="id_hours"' in page
    download = learner_client.get(reverse("labs:aws_role_template", args=[ready.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    template = json.loads(download.content)
    assert template["Parameters"]["ExternalId"]["Default"] == link.external_id


def test_without_a_site_principal_the_role_option_says_an_administrator_must_set_it(learner_client, ready, settings):
    settings.AWS_SITE_PRINCIPAL = ""
    page = learner_client.get(reverse("labs:aws", args=[ready.pk])).content.decode()
    assert "AWS_SITE_PRINCIPAL" in page and "AWS::IAM::Role" not in page
    assert learner_client.get(reverse("labs:aws_role_template", args=[ready.pk])).status_code == 404


def _checked_credential(page: str) -> str:
    import re

    return re.search(r'name="credential" value="(\w+)" id="[^"]+" checked', page).group(1)


def test_the_credentials_offered_first_are_the_ones_that_can_work(learner_client, ready, settings):
    page = learner_client.get(reverse("labs:aws", args=[ready.pk])).content.decode()
    assert _checked_credential(page) == "role"  # connected: the role, as recommended
    AwsAccountLink.objects.filter(user=ready.user).update(role_arn="")
    page = learner_client.get(reverse("labs:aws", args=[ready.pk])).content.decode()
    assert _checked_credential(page) == "pasted" and 'value="role"' in page  # not connected yet: offered second
    settings.AWS_SITE_PRINCIPAL = ""
    page = learner_client.get(reverse("labs:aws", args=[ready.pk])).content.decode()
    assert _checked_credential(page) == "pasted" and 'value="role"' not in page  # a role could not be trusted


def test_a_plan_for_a_role_not_connected_yet_cannot_be_applied(learner_client, ready):
    AwsAccountLink.objects.filter(user=ready.user).update(role_arn="")
    row = plan(learner_client, ready)
    page = learner_client.get(reverse("labs:aws_plan_page", args=[ready.pk, row.pk])).content.decode()
    assert "No role is connected yet" in page
    assert '<button class="btn btn-primary" type="submit" disabled>Apply the plan</button>' in page
    assert "Nothing: this API costs only when it is called." in page  # no cache: nothing billed by the hour


def test_a_quick_create_link_carries_the_external_id_when_the_template_is_hosted(learner_client, ready, settings):
    settings.AWS_ROLE_TEMPLATE_URL = "https://example-bucket.s3.amazonaws.com/gateway-academy-role.json"
    page = html.unescape(learner_client.get(reverse("labs:aws", args=[ready.pk])).content.decode())
    link = AwsAccountLink.objects.get(user=ready.user)
    assert "cloudformation/home?region=us-east-1#/stacks/create/review?" in page
    assert f"param_ExternalId={link.external_id}" in page


def test_deploy_verify_and_teardown_from_the_web(learner_client, ready, site_aws):
    row = plan(learner_client, ready)
    page = learner_client.get(reverse("labs:aws_plan_page", args=[ready.pk, row.pk])).content.decode()
    assert "apigateway.create_rest_api" in page and "sts.get_caller_identity" in page
    assert "What it may cost" in page and "2 hours" in page and "Teardown is one click" in page

    response = apply(learner_client, row)
    assert response.status_code == 302 and response["Location"] == row.get_absolute_url()
    row.refresh_from_db()
    assert row.status == "deployed" and row.expires_at is not None and not row.running
    page = progress(learner_client, row)
    assert page.count('data-testid="call"') >= 17 and "apigateway.create_rest_api" in page and "→ id=" in page
    assert "17 of 17 steps" in page
    api = row.record["ids"]["api"]
    assert f"https://{api}.execute-api.us-east-1.amazonaws.com/prod" in page
    assert f"https://console.aws.amazon.com/apigateway/main/apis/{api}/resources?api={api}&amp;region=us-east-1" in page
    assert "What AWS reports, checked against your design" in page and "failed:" not in page
    assert "confirmed by AWS" in page and "not checkable" in page and "AWS differs" not in page
    assume = [r for r in site_aws.proxy.state.requests if "Action=AssumeRole" in r["body"]]
    assert assume and AwsAccountLink.objects.get(user=ready.user).external_id in assume[0]["body"]
    event = LearningEvent.objects.get(verb="deployed", object_type="deployment")
    assert event.object_id == f"{ready.scenario}:{row.deployment_id}" and event.result["target"] == "aws"

    assert teardown(learner_client, row).status_code == 302
    row.refresh_from_db()
    assert row.status == "torn_down", row.message
    page = progress(learner_client, row)
    assert 'data-testid="nothing-left"' in page and "Tear down" not in page
    account_is_empty(site_aws, type("R", (), {"deployment_id": row.deployment_id})())
    assert LearningEvent.objects.filter(verb="torn-down", object_id=event.object_id).count() == 1


def test_a_second_plan_is_the_diff_against_what_is_deployed(learner_client, ready):
    row = plan(learner_client, ready)
    apply(learner_client, row)
    again = plan(learner_client, ready)
    assert again.pk == row.pk
    page = learner_client.get(reverse("labs:aws_plan_page", args=[ready.pk, row.pk])).content.decode()
    assert "Nothing to change" in page and "A change to what you already have deployed" in page


def test_a_failure_mid_apply_is_told_in_plain_words_and_rolled_back(learner_client, ready, site_aws):
    row = plan(learner_client, ready)
    site_aws.proxy.fail_nth(6)  # AccessDenied on the sixth call that changes something (after AssumeRole)
    apply(learner_client, row)
    row.refresh_from_db()
    assert row.status == "rolled_back"
    page = html.unescape(progress(learner_client, row))
    assert "AWS refused the call" in page and "was rolled back" in page and "Nothing is left in the account." in page
    assert "rollback" in page and "Traceback" not in page
    account_is_empty(site_aws, type("R", (), {"deployment_id": row.deployment_id})())
    assert not LearningEvent.objects.filter(verb="deployed").exists()


def test_the_role_that_cannot_be_assumed_is_a_clear_message(learner_client, ready, site_aws):
    row = plan(learner_client, ready)
    site_aws.proxy.fail_nth(1, code="AccessDenied", message="User is not authorized to perform: sts:AssumeRole")
    apply(learner_client, row)
    row.refresh_from_db()
    assert row.status == "planned" and "could not assume your role" in row.problem
    assert "could not assume your role" in progress(learner_client, row)


def test_other_learners_get_404_everywhere(learner_client, learner2_client, ready):
    row = plan(learner_client, ready)
    gets = [reverse("labs:aws", args=[ready.pk]), reverse("labs:aws_role_template", args=[ready.pk]),
            reverse("labs:aws_plan_page", args=[ready.pk, row.pk]), reverse("labs:aws_progress", args=[ready.pk, row.pk])]
    posts = [reverse("labs:aws_role", args=[ready.pk]), reverse("labs:aws_plan", args=[ready.pk]),
             reverse("labs:aws_apply", args=[ready.pk, row.pk]), reverse("labs:aws_teardown", args=[ready.pk, row.pk]),
             reverse("labs:aws_resume", args=[ready.pk, row.pk])]
    for url in gets:
        assert learner2_client.get(url).status_code == 404, url
    for url in posts:
        assert learner2_client.post(url, {"region": REGION}).status_code == 404, url
    assert AwsDeployment.objects.get(pk=row.pk).job == ""
    assert learner_client.get(reverse("labs:aws_list")).status_code == 200
    assert row.deployment_id not in learner2_client.get(reverse("labs:aws_list")).content.decode()


def test_anonymous_is_sent_to_log_in(client, learner_client, ready):
    row = plan(learner_client, ready)
    for url in (reverse("labs:aws", args=[ready.pk]), reverse("labs:aws_progress", args=[ready.pk, row.pk]),
                reverse("labs:aws_list")):
        assert client.get(url).status_code == 302


def test_bad_input_is_a_message_never_a_500(learner_client, ready):
    url = reverse("labs:aws_plan", args=[ready.pk])
    for data in ({"region": "mars-1", "hours": "2.0", "credential": "role"},
                 {"region": REGION, "hours": "99", "credential": "role"},
                 {"region": REGION, "hours": "2.0", "credential": "server"}, {}):
        response = learner_client.post(url, data, follow=True)
        assert response.status_code == 200 and "Choose a Region" in response.content.decode()
    response = learner_client.post(reverse("labs:aws_role", args=[ready.pk]), {"role_arn": "not an arn"}, follow=True)
    assert "not an IAM role ARN" in response.content.decode()
    assert learner_client.get(reverse("labs:aws_role", args=[ready.pk])).status_code == 405
    row = plan(learner_client, ready, credential="pasted")
    response = apply(learner_client, row, credentials="hello")
    assert response.status_code == 302
    page = learner_client.get(response["Location"]).content.decode()
    assert "not AWS credentials" in page or "Paste temporary credentials" in page
    response = teardown(learner_client, row)
    assert learner_client.get(response["Location"]).status_code == 200


def test_a_design_with_errors_is_not_planned(learner_client, course, site_aws):
    from ..test_labs import start

    attempt = start(learner_client, "rest-order-service")
    attempt.design = {**attempt.design, "routes": [{"method": "GET", "path": "no-slash"}]}
    attempt.save()
    response = learner_client.post(reverse("labs:aws_plan", args=[attempt.pk]),
                                   {"region": REGION, "hours": "2.0", "credential": "role"}, follow=True)
    assert "Fix the rule errors" in response.content.decode() and not attempt.aws_deployments.exists()


def test_the_progress_partial_for_htmx_and_its_polling(learner_client, ready):
    row = plan(learner_client, ready)
    AwsDeployment.objects.filter(pk=row.pk).update(job="apply")  # queued, no worker yet
    url = reverse("labs:aws_progress", args=[ready.pk, row.pk])
    fragment = learner_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="aws-progress"') and "<html" not in fragment
    assert 'hx-trigger="every 1s"' in fragment and "waiting for a worker" in fragment
    AwsDeployment.objects.filter(pk=row.pk).update(job="")
    apply(learner_client, row)
    fragment = learner_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-finished="yes"' in fragment and "hx-trigger" not in fragment  # done: the polling stops


def test_the_builder_links_to_aws_only_for_a_design_without_errors(learner_client, ready):
    page = learner_client.get(ready.get_absolute_url()).content.decode()
    assert reverse("labs:aws", args=[ready.pk]) in page
    ready.design = {**ready.design, "routes": [{"method": "GET", "path": "no-slash"}]}
    ready.save()
    assert reverse("labs:aws", args=[ready.pk]) not in learner_client.get(ready.get_absolute_url()).content.decode()


def test_the_list_of_deployments_takes_the_same_queries_for_one_or_many(learner_client, ready,
                                                                       django_assert_max_num_queries):
    from django.utils import timezone

    def make(n):
        for i in range(n):
            AwsDeployment.objects.create(attempt=ready, deployment_id=f"ga-list{AwsDeployment.objects.count():04d}",
                                         region=REGION, status="deployed", record={"x": i},
                                         expires_at=timezone.now())

    make(1)
    with django_assert_max_num_queries(4):
        one = learner_client.get(reverse("labs:aws_list")).content.decode()
    make(20)
    with django_assert_max_num_queries(4):
        many = learner_client.get(reverse("labs:aws_list")).content.decode()
    assert one.count("ga-list") < many.count("ga-list")


def test_a_teardown_that_fails_lists_exactly_what_is_left_and_why_then_can_be_run_again(learner_client, ready, site_aws):
    row = plan(learner_client, ready)
    apply(learner_client, row)
    for n in range(2, 40):  # every change after the AssumeRole refused
        site_aws.proxy.fail_nth(n)
    teardown(learner_client, row)
    row.refresh_from_db()
    assert row.status == "teardown_incomplete" and row.record["leftovers"]
    page = html.unescape(progress(learner_client, row))
    assert 'data-testid="leftovers"' in page and "Left in your account" in page
    for item in row.record["leftovers"]:
        assert f"{item['kind']} <code>{item.get('name') or item['id']}</code>: {item['why']}" in page
    assert any(item["kind"] == "rest_api" for item in row.record["leftovers"])
    assert "Tear down" in page  # still up: try again
    site_aws.proxy.reset()
    teardown(learner_client, row)
    row.refresh_from_db()
    assert row.status == "torn_down" and 'data-testid="nothing-left"' in progress(learner_client, row)


def test_the_servers_own_credentials_only_when_an_administrator_enables_them(learner_client, ready, settings):
    url = reverse("labs:aws", args=[ready.pk])
    assert 'value="server"' not in learner_client.get(url).content.decode()
    settings.AWS_DEPLOY_SERVER_CREDENTIALS = True
    assert 'value="server"' in learner_client.get(url).content.decode()
    row = plan(learner_client, ready, credential="server")
    apply(learner_client, row)
    row.refresh_from_db()
    assert row.status == "deployed" and row.record["credential_source"] == {"kind": "server"}
    settings.AWS_DEPLOY_SERVER_CREDENTIALS = False  # turned off since: teardown is refused, in words
    response = teardown(learner_client, row)
    assert "turned off on this site" in learner_client.get(response["Location"]).content.decode()


def test_aws_that_cannot_be_reached_is_a_clear_message(learner_client, ready, settings):
    from ..apigw.moto_server import free_port

    row = plan(learner_client, ready)
    settings.AWS_DEPLOY_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    response = apply(learner_client, row)
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "planned" and "Could not reach AWS" in row.problem
    page = progress(learner_client, row)
    assert "could not assume your role" in page and "Traceback" not in page


def test_a_missing_lambda_function_is_found_before_the_calls_and_told_in_words(learner_client, course, site_aws):
    from ..test_sandbox_web import solved
    from .aws_support import SLUG, make_role

    attempt = solved(learner_client, SLUG)  # its functions are not made in moto this time
    learner_client.post(reverse("labs:aws_role", args=[attempt.pk]), {"role_arn": make_role(site_aws)})
    row = plan(learner_client, attempt)
    apply(learner_client, row)
    row.refresh_from_db()
    assert row.status == "rolled_back"
    page = html.unescape(progress(learner_client, row))
    assert "does not exist: the step that gives API Gateway permission to invoke it will fail" in page  # preflight
    assert "The Lambda function arn:aws:lambda:us-east-1:123456789012:function:orders-api does not exist" in page


def test_pasted_text_that_cannot_be_credentials_and_a_double_apply_get_messages_that_say_so(learner_client, ready,
                                                                                             site_aws):
    from .aws_support import PASTED

    row = plan(learner_client, ready, credential="pasted")
    url = reverse("labs:aws_apply", args=[ready.pk, row.pk])
    for text in ("A" * 20_000, "export AWS_ACCESS_KEY_ID=\x00"):
        page = html.unescape(learner_client.post(url, {"credentials": text}, follow=True).content.decode())
        assert "Those are not AWS credentials the site can use" in page
        assert "Paste temporary credentials for this run" not in page
    row.refresh_from_db()
    assert row.plan and not row.sealed and row.status == "planned"  # nothing was queued or kept
    learner_client.post(url, {"credentials": PASTED})
    again = html.unescape(learner_client.post(url, {"credentials": PASTED}, follow=True).content.decode())
    assert "This plan was applied already" in again
    assert AwsDeployment.objects.filter(pk=row.pk, status="deployed").exists()


def test_the_progress_poll_is_a_handful_of_queries_however_many_calls(learner_client, ready, site_aws,
                                                                    django_assert_max_num_queries):
    """Every learner with a run going polls once a second: session, user, attempt, deployment, role check."""
    row = plan(learner_client, ready)
    apply(learner_client, row)
    row.refresh_from_db()
    assert len(row.record["log"]) > 30  # every call, started and finished
    with django_assert_max_num_queries(5):
        assert learner_client.get(row.get_absolute_url(), HTTP_HX_REQUEST="true").status_code == 200
