import uuid

from django.db import migrations, models
import django.utils.timezone


def first_release(apps, schema_editor):
    apps.get_model("courseware", "ContentRelease").objects.create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [("courseware", "0008_attempt_score_override")]

    operations = [
        migrations.CreateModel(
            name="ContentRelease",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
                ("released_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunPython(first_release, migrations.RunPython.noop),
    ]
