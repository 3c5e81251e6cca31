from django.db import migrations, models

ALL_STEPS = ["api", "endpoint", "routes", "integrations", "security", "stages"]


def existing_attempts_have_seen_every_step(apps, schema_editor):
    """Attempts made before this field existed keep showing every finding, as they did."""
    apps.get_model("labs", "LabAttempt").objects.update(steps_saved=ALL_STEPS)


class Migration(migrations.Migration):
    dependencies = [("labs", "0003_logged_rules")]

    operations = [
        migrations.AddField(
            model_name="labattempt",
            name="steps_saved",
            field=models.JSONField(default=list, help_text="The builder steps the learner has saved at least once."),
        ),
        migrations.RunPython(existing_attempts_have_seen_every_step, migrations.RunPython.noop),
    ]
