from django.apps import AppConfig
from django.core import checks


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = "Labs"

    def ready(self) -> None:
        from courseware.sync import content_synced

        checks.register(check_scenarios)
        content_synced.connect(register_catalogue, dispatch_uid="labs.register_catalogue")


def check_scenarios(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A broken lab file is found by `manage.py check` (and at deploy), not by a learner's 500."""
    from django.conf import settings

    from .apigw.scenarios import ScenarioError, load_all

    try:
        load_all(settings.LAB_SCENARIOS_DIR)
    except (ScenarioError, OSError) as error:
        return [checks.Error(f"A lab scenario file is invalid: {error}", id="labs.E001")]
    return []


def register_catalogue(sender=None, report=None, **kwargs) -> None:
    """On `content_synced`: write the scenarios into courseware's lab catalogue, so that lessons, the
    decision helper and the dashboard name every lab by its title. A broken scenario file rolls the
    whole sync back (`CatalogueError`)."""
    from django.conf import settings

    from courseware.sync import CatalogueError, register_labs

    from .apigw.scenarios import ScenarioError, load_all

    try:
        scenarios = load_all(settings.LAB_SCENARIOS_DIR)
    except ScenarioError as error:
        raise CatalogueError(str(error)) from error
    register_labs([catalogue_entry(scenario) for scenario in scenarios], report)


def catalogue_entry(scenario):
    """A scenario as courseware's catalogue holds it."""
    from courseware.sync import LabEntry

    return LabEntry(
        slug=scenario.slug,
        title=scenario.title,
        summary=scenario.summary,
        api_type=scenario.api_type,
        minutes=scenario.minutes,
        lessons=tuple(scenario.lessons),
        features=tuple(design_features(scenario.reference_solution)),
    )


def design_features(design) -> list[str]:
    """What a design uses, as the catalogue's "group:value" tags: the endpoint types (the API type's
    default when none is set), integration kinds, authorizer types and stage or API features
    (`labs.apigw.rules.FEATURES` names)."""
    from .apigw.rules import options_for

    tags = {f"endpoint:{t}" for t in design.endpoint_types or [options_for(design.api_type).default_endpoint_type]}
    tags |= {f"integration:{route.integration.kind}" for route in design.routes if route.integration.kind}
    tags |= {f"authorizer:{authorizer.type}" for authorizer in design.authorizers if authorizer.type}
    features = {
        "canary": any(stage.canary is not None for stage in design.stages),
        "caching": any(stage.cache_enabled for stage in design.stages),
        "waf": any(stage.waf_web_acl_arn for stage in design.stages),
        "api_keys": bool(design.api_keys or design.usage_plans) or any(r.api_key_required for r in design.routes),
        "cors": design.cors is not None,
        "resource_policy": bool(design.resource_policy),
        "request_validation": bool(design.request_validators) or any(r.request_validator for r in design.routes),
    }
    tags |= {f"feature:{name}" for name, used in features.items() if used}
    return sorted(tags)
