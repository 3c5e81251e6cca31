"""The lab scenarios this site serves, read once per process from ``LAB_SCENARIOS_DIR``."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import Http404

from .apigw.scenarios import Scenario, load_all


@functools.cache
def scenarios() -> dict[str, Scenario]:
    """Slug -> scenario, in file order (the files change only with a release). Every check but running each
    lab in a sandbox: ``manage.py check`` (labs.E001) and the sync run them before the site serves a file."""
    return {scenario.slug: scenario for scenario in load_all(settings.LAB_SCENARIOS_DIR, run=False)}


def get(slug: str) -> Scenario | None:
    return scenarios().get(slug)


def get_or_404(slug: str) -> Scenario:
    scenario = get(slug)
    if scenario is None:
        raise Http404("No such lab.")
    return scenario
