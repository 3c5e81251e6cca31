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
from .core import A_API, V2, Context, Hit, Topic, authorizer_label, route_field, stage_label
from .sources import API_REFERENCE, CREATE_API, REST_WEBSOCKET_NOTES, guide, v2_api

topic = Topic()

MAX_NAME = 128  # HTTP and WebSocket APIs (CreateApi); REST API names have no documented maximum
MAX_DESCRIPTION = 1024  # HTTP and WebSocket APIs (CreateApi)
MAX_METRIC_DIMENSION = 255  # CloudWatch dimension values, which include a REST API's name
MAX_TAGS = 50


@topic.rule(
    "api.name-required",
    "error",
    summary="The API has a name.",
    source=CREATE_API,
    lesson="api-types",
)
def name_required(ctx: Context) -> Iterator[Hit]:
    if not ctx.design.name.strip():
        length = "" if ctx.api == "rest" else f" of 1 to {MAX_NAME} characters"
        yield Hit("name", "API name", f"The API has no name, and AWS requires one. Give it a name{length}.")


@topic.rule(
    "api.name-too-long",
    "error",
    summary="HTTP and WebSocket API names: at most 128 characters.",
    source=v2_api("apis"),
    lesson="quotas",
    api_types=V2,
)
def name_too_long(ctx: Context) -> Iterator[Hit]:
    if len(ctx.design.name) > MAX_NAME:
        yield Hit(
            "name",
            "API name",
            f"The API name is {len(ctx.design.name)} characters long; {A_API[ctx.api]} API's name can have at most "
            f"{MAX_NAME}. Shorten it.",
        )


@topic.rule(
    "api.name-metrics-limit",
    "warning",
    summary="REST API names past 255 characters exceed CloudWatch's dimension limit.",
    source=REST_WEBSOCKET_NOTES,
    lesson="logging",
    api_types=frozenset({"rest"}),
)
def name_metrics_limit(ctx: Context) -> Iterator[Hit]:
    # AWS documents no maximum for a REST API's name, only that metrics dimensions (the API name is one)
    # are limited to 255 characters.
    if len(ctx.design.name) > MAX_METRIC_DIMENSION:
        yield Hit(
            "name",
            "API name",
            f"The API name is {len(ctx.design.name)} characters long. CloudWatch limits metric dimension values, "
            f"and the API name is one, to {MAX_METRIC_DIMENSION} characters, so this API's metrics may not work as "
            f"expected. Keep the name to {MAX_METRIC_DIMENSION} characters or fewer.",
        )


@topic.rule(
    "api.description-too-long",
    "error",
    summary="HTTP and WebSocket API descriptions: at most 1024 characters.",
    source=v2_api("apis"),
    lesson="quotas",
    api_types=V2,
)
def description_too_long(ctx: Context) -> Iterator[Hit]:
    if len(ctx.design.description) > MAX_DESCRIPTION:
        yield Hit(
            "description",
            "API description",
            f"The description is {len(ctx.design.description)} characters long; AWS allows at most "
            f"{MAX_DESCRIPTION}. Shorten it.",
        )


@topic.rule(
    "design.unknown-value",
    "error",
    summary="Enumerated AWS values are ones AWS knows.",
    source=API_REFERENCE,
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
    source=guide("apigateway-tagging-supported-resources"),
    lesson="tags",
)
def tag_limits(ctx: Context) -> Iterator[Hit]:
    tags = ctx.design.tags
    if len(tags) > MAX_TAGS:
        yield Hit("tags", "Tags", f"The API has {len(tags)} tags; AWS allows at most {MAX_TAGS}. Remove some.")
    for key, value in tags.items():
        loc = f"tags.{key}"
        if not key:
            yield Hit(loc, "Tag ''", "A tag needs a key of 1 to 128 characters; this one has none.")
        elif len(key) > 128:
            yield Hit(loc, f"Tag {key!r}", f"This tag key is {len(key)} characters long; a key can have at most 128.")
        elif key.lower().startswith("aws:"):
            yield Hit(loc, f"Tag {key!r}", "Tag keys starting with 'aws:' are reserved by AWS; rename the tag.")
        if len(value) > 256:
            yield Hit(
                loc, f"Tag {key!r}", f"This tag's value is {len(value)} characters long; a value can have at most 256."
            )
