"""Standard users every test can use: two learners, an instructor, a second instructor.
Anonymous is Django's `client` fixture."""

from __future__ import annotations

import pytest
from django.test import Client

from .factories import make_user


@pytest.fixture
def learner(db):
    return make_user("ada", first_name="Ada")


@pytest.fixture
def learner2(db):
    return make_user("ben", first_name="Ben")


@pytest.fixture
def instructor(db):
    return make_user("ines", first_name="Inès", instructor=True)


@pytest.fixture
def instructor2(db):
    return make_user("omar", first_name="Omar", instructor=True)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def learner_client(learner) -> Client:
    return _client_for(learner)


@pytest.fixture
def learner2_client(learner2) -> Client:
    return _client_for(learner2)


@pytest.fixture
def instructor_client(instructor) -> Client:
    return _client_for(instructor)


@pytest.fixture
def instructor2_client(instructor2) -> Client:
    return _client_for(instructor2)
