"""A lesson's labs with their titles, written at sync from its front matter and the lab catalogue."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courseware", "0006_lab"),
    ]

    operations = [
        migrations.AddField(
            model_name="lesson",
            name="lab_links",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="[{slug, title}] of the labs in `labs` that the catalogue publishes.",
            ),
        ),
    ]
