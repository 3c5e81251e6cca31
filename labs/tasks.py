"""Background tasks (django-tasks): immediate in tests, ``django_tasks_db`` + ``manage.py db_worker`` in
production and under ``dev.py serve``.

A task's arguments are ids only: the database backend keeps them in its table for good, so no
credential ever goes there (pasted ones are sealed into the deployment's row; see labs/awsdeploy.py).
"""

from __future__ import annotations

from django_tasks import task


@task()
def run_deployment(deployment_pk: int, job: str) -> str:
    """Apply the plan, tear down, resume or roll back one AWS deployment (``job``); returns its status."""
    from . import awsdeploy

    return awsdeploy.run(deployment_pk, job)
