"""The learning-event vocabulary (courseware/events.py) as the choices of the verb and object-type
columns. Only the choices change: every stored value (verb, object type, object id) stays as it was."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courseware", "0004_glossary_definition_html"),
    ]

    operations = [
        migrations.AlterField(
            model_name="learningevent",
            name="verb",
            field=models.CharField(
                choices=[
                    ("experienced", "Experienced"),
                    ("completed", "Completed"),
                    ("answered", "Answered"),
                    ("attempted", "Attempted"),
                    ("validated", "Validated"),
                    ("met", "Met"),
                    ("predicted", "Predicted"),
                    ("deployed", "Deployed"),
                    ("torn-down", "Torn down"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="learningevent",
            name="object_type",
            field=models.CharField(
                choices=[
                    ("lesson", "Lesson"),
                    ("quiz", "Quiz"),
                    ("question", "Question"),
                    ("lab", "Lab"),
                    ("objective", "Objective"),
                    ("hint", "Hint"),
                    ("rule", "Rule"),
                    ("sandbox-request", "Sandbox request"),
                    ("deployment", "Deployment"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="learningevent",
            name="object_id",
            field=models.CharField(help_text='"<slug>" or "<slug>:<part>" (courseware/events.py).', max_length=200),
        ),
    ]
