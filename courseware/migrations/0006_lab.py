"""The lab catalogue: the labs app registers its scenarios here at sync (courseware.sync.register_labs)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courseware", "0005_learning_event_vocabulary"),
    ]

    operations = [
        migrations.CreateModel(
            name="Lab",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(unique=True)),
                ("title", models.CharField(max_length=200)),
                ("summary", models.TextField(blank=True)),
                ("api_type", models.CharField(blank=True, help_text='"rest", "http" or "websocket".', max_length=20)),
                ("minutes", models.PositiveSmallIntegerField(blank=True, null=True)),
                (
                    "features",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text='What its reference design uses, as "group:value" tags: "endpoint:PRIVATE", '
                        '"integration:aws", "authorizer:JWT", "feature:canary" (the decision helper reads them).',
                    ),
                ),
                ("order", models.PositiveIntegerField(default=0)),
                ("published", models.BooleanField(default=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "lessons",
                    models.ManyToManyField(
                        blank=True,
                        help_text="The lessons the lab practises.",
                        related_name="practised_in",
                        to="courseware.lesson",
                    ),
                ),
            ],
            options={
                "ordering": ["order", "slug"],
            },
        ),
    ]
