"""Who may do what. Learner: everyone who signs up. Instructor: a group an admin grants.
Staff: Django's own flag, for the admin site."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db.models import Exists, OuterRef

INSTRUCTORS_GROUP = "Instructors"


def is_instructor(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    # Cached on the user object: the header asks on every page.
    cached = getattr(user, "_is_instructor", None)
    if cached is None:
        cached = user.groups.filter(name=INSTRUCTORS_GROUP).exists()
        user._is_instructor = cached
    return cached


def make_instructor(user: AbstractBaseUser) -> None:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    user.groups.add(group)
    user._is_instructor = True


class RoleAwareBackend(ModelBackend):
    """Django's ModelBackend, but the signed-in user is loaded with whether they are an instructor
    (an EXISTS in the same query): the header asks on every page, and that was a query of its own."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(
            _is_instructor=Exists(Group.objects.filter(user=OuterRef("pk"), name=INSTRUCTORS_GROUP)))
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
