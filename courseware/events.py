"""The learning-event vocabulary: what the log may say, and the one way to write to it.

A learning event is shaped like an xAPI statement: an actor, a verb, an object, a result. Verbs and
object types are fixed here (`Verb`, `ObjectType`); an object is an `Obj`, built by one of its
constructors, never by formatting a string at the call site::

    record(user, Verb.MET, Obj.objective("private-api", "policy-allows-vpce"))
    record(user, Verb.ANSWERED, Obj.question(question.key), {"correct": False, ...})

Stored format (the `object_type` and `object_id` columns of `LearningEvent`)::

    object_type = ObjectType value                 "objective"
    object_id   = "<slug>" or "<slug>:<part>"      "private-api:policy-allows-vpce"

`slug` names the thing itself (a lesson, quiz, question key, lab, rule id); `part` names a piece of
it, itself ":"-separated when it has several parts (a hint is "<lab>:<step>:<n>"). A slug never holds
a ":". A lab design made without a scenario is the lab "free-design". These are the strings the log
has held from the start, so old rows read back with `Obj.parse` like new ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models

if TYPE_CHECKING:
    from .models import LearningEvent

SEPARATOR = ":"
FREE_DESIGN = "free-design"  # the lab slug of a design made without a scenario


class Verb(models.TextChoices):
    """What the learner did (xAPI-like verbs; the stored value is the lower-case word)."""

    EXPERIENCED = "experienced"  # opened a lesson, revealed a hint
    COMPLETED = "completed"  # finished a lesson, submitted a quiz, met every objective of a lab
    ANSWERED = "answered"  # answered a question
    ATTEMPTED = "attempted"  # started a quiz attempt
    VALIDATED = "validated"  # had a lab design checked (result: the rules it breaks)
    MET = "met"  # met a lab objective, the first time
    PREDICTED = "predicted"  # predicted what the sandbox gateway answers to a request
    DEPLOYED = "deployed"  # deployed a design (to the sandbox or to AWS)
    TORN_DOWN = "torn-down", "Torn down"  # removed a deployment


class ObjectType(models.TextChoices):
    """What the learner acted on."""

    LESSON = "lesson"
    QUIZ = "quiz"
    QUESTION = "question"
    LAB = "lab"
    OBJECTIVE = "objective"  # of a lab
    HINT = "hint"  # of a lab step
    RULE = "rule"  # an API Gateway rule of the lab validator
    SANDBOX_REQUEST = "sandbox-request", "Sandbox request"
    DEPLOYMENT = "deployment"


@dataclass(frozen=True)
class Obj:
    """A reference to what an event is about. Build it with a constructor (`Obj.lesson(slug)`, …);
    `Obj.parse` reads a stored one back."""

    type: ObjectType
    slug: str
    part: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", ObjectType(self.type))  # a known type, or ValueError
        if not self.slug or SEPARATOR in self.slug:
            raise ValueError(f"an object slug must be non-empty and hold no {SEPARATOR!r}: {self.slug!r}")
        if len(self.id) > 200:
            raise ValueError(f"an object id is at most 200 characters: {self.id[:40]!r}…")

    # --- Constructors, one per kind of object ---------------------------------------------------------

    @classmethod
    def lesson(cls, slug: str) -> Obj:
        return cls(ObjectType.LESSON, slug)

    @classmethod
    def quiz(cls, slug: str) -> Obj:
        return cls(ObjectType.QUIZ, slug)

    @classmethod
    def question(cls, key: str) -> Obj:
        return cls(ObjectType.QUESTION, key)

    @classmethod
    def lab(cls, slug: str | None) -> Obj:
        """A lab scenario; None or "" is a design made without one ("free-design")."""
        return cls(ObjectType.LAB, slug or FREE_DESIGN)

    @classmethod
    def objective(cls, lab: str | None, objective_id: str) -> Obj:
        return cls(ObjectType.OBJECTIVE, lab or FREE_DESIGN, _part(objective_id))

    @classmethod
    def hint(cls, lab: str | None, step: str, number: int) -> Obj:
        """The `number`th hint (from 1) of a builder step of a lab."""
        return cls(ObjectType.HINT, lab or FREE_DESIGN, f"{_part(step)}{SEPARATOR}{int(number)}")

    @classmethod
    def rule(cls, rule_id: str) -> Obj:
        return cls(ObjectType.RULE, rule_id)

    @classmethod
    def sandbox_request(cls, lab: str | None, request_id: str) -> Obj:
        return cls(ObjectType.SANDBOX_REQUEST, lab or FREE_DESIGN, _part(request_id))

    @classmethod
    def deployment(cls, lab: str | None, deployment_id: str | int) -> Obj:
        return cls(ObjectType.DEPLOYMENT, lab or FREE_DESIGN, _part(str(deployment_id)))

    # --- The stored form, and back ------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The stored `object_id`."""
        return f"{self.slug}{SEPARATOR}{self.part}" if self.part else self.slug

    @property
    def parts(self) -> tuple[str, ...]:
        """`part` split at ":" (a hint's ("routes", "2")); () when there is none."""
        return tuple(self.part.split(SEPARATOR)) if self.part else ()

    @property
    def lab_slug(self) -> str | None:
        """The lab an object of a lab belongs to (a lab, objective, hint, sandbox request, deployment)."""
        return self.slug if self.type in _OF_A_LAB else None

    def lookup(self) -> dict[str, str]:
        """The fields that find this object's events: `LearningEvent.objects.filter(**obj.lookup())`."""
        return {"object_type": self.type.value, "object_id": self.id}

    @classmethod
    def parse(cls, object_type: str, object_id: str) -> Obj:
        """The object stored as (`object_type`, `object_id`); ValueError if the type is not in the vocabulary."""
        slug, _, part = object_id.partition(SEPARATOR)
        return cls(ObjectType(object_type), slug, part)

    def __str__(self) -> str:
        return f"{self.type.value}:{self.id}"


_OF_A_LAB = {ObjectType.LAB, ObjectType.OBJECTIVE, ObjectType.HINT, ObjectType.SANDBOX_REQUEST, ObjectType.DEPLOYMENT}


def _part(value: str) -> str:
    value = str(value)
    if not value:
        raise ValueError("an object part must be non-empty")
    return value


def record(actor, verb: Verb, obj: Obj, result: dict[str, Any] | None = None) -> LearningEvent:
    """Write one learning event: `actor` (a user) did `verb` to `obj`, with an optional JSON `result`."""
    verb = Verb(verb)  # a Verb, or its stored value; anything else is a ValueError
    if not isinstance(obj, Obj):
        raise TypeError(f"record() takes an Obj (Obj.lesson(slug), …), not {type(obj).__name__}")
    # Looked up, not imported: the model takes its choices from this module.
    model = apps.get_model("courseware", "LearningEvent")
    return model.objects.create(actor=actor, verb=verb.value, **obj.lookup(), result=result or {})


def parse(verb: str, object_type: str, object_id: str) -> tuple[Verb, Obj]:
    """A stored event's verb and object, back in the vocabulary (ValueError for anything outside it)."""
    return Verb(verb), Obj.parse(object_type, object_id)
