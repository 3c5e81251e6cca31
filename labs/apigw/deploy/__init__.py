"""The AWS deployer: plan, apply with a recorder, resume, verify, teardown, reap (see docs/deployer.md).

Plain Python and boto3, no Django. The web side runs ``Deployer.apply`` in a background task with a
recorder that stores the record in its database; the CLI (``labs/apigw/cli.py``) keeps records as JSON
files.
"""

from .calls import Call, join, ref
from .costs import PRICES_CHECKED, CostEstimate, estimate
from .credentials import Credentials, CredentialsError, assume_role, new_external_id, quick_create_url, role_template
from .executor import Deployer, invoke_urls
from .inventory import list_leftovers, list_tagged
from .preflight import preflight
from .plan import (
    DEFAULT_HOURS,
    TAG_DEPLOYMENT,
    TAG_LAB,
    TAG_LEARNER,
    TAG_SITE,
    Change,
    Plan,
    PlanError,
    Step,
    deployment_tags,
    make_plan,
    make_teardown_plan,
    new_deployment_id,
)
from .reap import reap, reap_one, reap_store
from .record import DEFAULT_TTL, DeploymentRecord, JsonFileStore, MemoryRecorder, Recorder, due_for_reaping
from .redact import Redactor, redact
from .target import Target
from .verify import compare, read_back, verify


__all__ = [
    "Call", "Change", "CostEstimate", "Credentials", "CredentialsError", "DEFAULT_HOURS", "DEFAULT_TTL", "Deployer",
    "DeploymentRecord", "JsonFileStore", "MemoryRecorder", "PRICES_CHECKED", "Plan", "PlanError", "Recorder", "Redactor",
    "Step", "TAG_DEPLOYMENT", "TAG_LAB", "TAG_LEARNER", "TAG_SITE", "Target", "assume_role", "compare", "deployment_tags",
    "due_for_reaping", "estimate", "invoke_urls", "join", "list_leftovers", "list_tagged", "make_plan",
    "make_teardown_plan", "new_deployment_id", "new_external_id", "preflight", "quick_create_url", "read_back", "reap",
    "reap_one", "reap_store", "redact", "ref", "role_template", "verify",
]
