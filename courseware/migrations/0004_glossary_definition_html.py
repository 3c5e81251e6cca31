"""Glossary definitions rendered to HTML (inline Markdown, sanitized), stored like a lesson's HTML."""

from django.db import migrations, models


def render_existing(apps, schema_editor):
    from courseware.rendering import render_definition

    GlossaryTerm = apps.get_model("courseware", "GlossaryTerm")
    for term in GlossaryTerm.objects.all():
        term.definition_html = render_definition(term.definition)
        term.save(update_fields=["definition_html"])


class Migration(migrations.Migration):

    dependencies = [
        ("courseware", "0003_quizzes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="glossaryterm",
            name="definition",
            field=models.TextField(help_text="Inline course Markdown, as written in glossary.yaml."),
        ),
        migrations.AddField(
            model_name="glossaryterm",
            name="definition_html",
            field=models.TextField(blank=True, help_text="The definition rendered and sanitized, on save."),
        ),
        migrations.RunPython(render_existing, migrations.RunPython.noop),
    ]
