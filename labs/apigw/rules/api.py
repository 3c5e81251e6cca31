"""The API itself: its name and description, its tags, and AWS vocabulary typed as free text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..model import (
    API_KEY_SOURCES,
    AUTHORIZATION_TYPES,
    AUTHORIZER_TYPES,
    ENDPOINT_TYPES,
    LOGGING_LEVELS,
    PASSTHROUGH_BEHAVIORS,
    QUOTA_PERIODS,
)
from .core import Context, Hit, Topic, authorizer_label, route_field, stage_label

topic = Topic()

MAX_NAME = 128
MAX_DESCRIPTION = 1024
MAX_TAGS = 50


@topic.rule(
    "api.name-required",
    "error",
    summary="The API has a name.",
    source="[BOTO-V2] CreateApi.Name",
    lesson="api-types",
)
def name_required(ctx: Context) -> Iterator[Hit]:
    if not ctx.design.name.strip():
        yield Hit("name", "API name", "The API has no name. Give it a name of 1 to 128 characters.")


@topic.rule(
    "api.name-too-long",
    "error",
    summary="API name at most 128 characters.",
    source="[BOTO-V2] CreateApi.Name; [NOTES] (REST cap recommended)",
    lesson="quotas",
)
def name_too_long(ctx: Context) -> Iterator[Hit]:
    if len(ctx.design.name) > MAX_NAME:
        yield Hit(
            "name",
            "API name",
            f"The API name is {len(ctx.design.name)} characters long; shorten it to {MAX_NAME} or fewer.",
        )


@topic.rule(
    "api.description-too-long",
    "error",
    summary="Description at most 1024 characters.",
    source="[BOTO-V2]",
    lesson="quotas",
)
def description_too_long(ctx: Context) -> Iterator[Hit]:
    if len(ctx.design.description) > MAX_DESCRIPTION:
        yield Hit(
            "description",
            "API description",
            f"The description is {len(ctx.design.description)} characters long; "
            f"shorten it to {MAX_DESCRIPTION} or fewer.",
        )


@topic.rule(
    "design.unknown-value",
    "error",
    summary="Enumerated AWS values are ones AWS knows.",
    source="[BOTO-V1] / [BOTO-V2] enums",
    lesson="api-types",
)
def unknown_values(ctx: Context) -> Iterator[Hit]:
    """AWS vocabulary typed as free text: report values AWS does not know, naming the valid ones."""
    d = ctx.design

    def bad(value: str, choices: Iterable[str], location: str, label: str, what: str) -> Iterator[Hit]:
        if value and value not in choices:
            yield Hit(location, label, f"{what} {value!r} is not one of {', '.join(choices)}; choose one of them.")

    for i, value in enumerate(d.endpoint_types):
        yield from bad(value, ENDPOINT_TYPES, f"endpoint_types[{i}]", "Endpoint type", "Endpoint type")
    yield from bad(d.api_key_source, API_KEY_SOURCES, "api_key_source", "API key source", "API key source")
    for pr in ctx.routes:
        loc, label = route_field(pr, "authorization", "authorization")
        yield from bad(pr.route.authorization, AUTHORIZATION_TYPES, loc, label, "Authorization type")
        loc, label = route_field(pr, "integration.passthrough_behavior", "passthrough behaviour")
        yield from bad(
            pr.route.integration.passthrough_behavior.lower(),
            PASSTHROUGH_BEHAVIORS,
            loc,
            label,
            "Passthrough behaviour",
        )
    for i, a in enumerate(d.authorizers):
        yield from bad(a.type, AUTHORIZER_TYPES, f"authorizers[{i}].type", authorizer_label(a.name, i), "Authorizer type")
    for i, s in enumerate(d.stages):
        yield from bad(
            s.logging_level, LOGGING_LEVELS, f"stages[{i}].logging_level", stage_label(s, i), "Logging level"
        )
    for i, p in enumerate(d.usage_plans):
        yield from bad(p.quota_period, QUOTA_PERIODS, f"usage_plans[{i}].quota_period", f"Usage plan {p.name!r}", "Quota period")


@topic.rule(
    "tags.limits",
    "error",
    summary="At most 50 tags; key 1-128 chars, not 'aws:'; value at most 256.",
    source="[BOTO-V1] tags; [Q-REST]",
    lesson="tags",
)
def tag_limits(ctx: Context) -> Iterator[Hit]:
    tags = ctx.design.tags
    if len(tags) > MAX_TAGS:
        yield Hit("tags", "Tags", f"The API has {len(tags)} tags; AWS allows at most {MAX_TAGS}. Remove some.")
    for key, value in tags.items():
        loc = f"tags.{key}"
        if not key or len(key) > 128:
            yield Hit(loc, f"Tag {key!r}", "A tag key must be 1 to 128 characters long.")
        elif key.lower().startswith("aws:"):
            yield Hit(loc, f"Tag {key!r}", "Tag keys starting with 'aws:' are reserved by AWS; rename the tag.")
        if len(value) > 256:
            yield Hit(loc, f"Tag {key!r}", "A tag value can be at most 256 characters long; shorten it.")
