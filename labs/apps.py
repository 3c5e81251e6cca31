from django.apps import AppConfig
from django.core import checks


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = "Labs"

    def ready(self) -> None:
        checks.register(check_scenarios)


def check_scenarios(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A broken lab file is found by `manage.py check` (and at deploy), not by a learner's 500."""
    from django.conf import settings

    from .apigw.scenarios import ScenarioError, load_all

    try:
        load_all(settings.LAB_SCENARIOS_DIR)
    except (ScenarioError, OSError) as error:
        return [checks.Error(f"A lab scenario file is invalid: {error}", id="labs.E001")]
    return []
