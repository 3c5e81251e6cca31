"""Static files in production: fingerprinted, compressed and cached for a year by WhiteNoise.

Development and tests serve the files straight from the finders (`max-age=0`); this test collects
them into a temporary STATIC_ROOT with the production storage and asks WhiteNoise for one, as a
browser would.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

ONE_YEAR = 365 * 24 * 60 * 60


def test_production_settings_choose_the_manifest_storage():
    """Read in a fresh process: under pytest, TESTING keeps the finders' plain storage."""
    env = {k: v for k, v in os.environ.items() if k not in {"STATIC_MANIFEST", "DJANGO_DEBUG"}}
    env.update(DJANGO_DEBUG="0", SECRET_KEY="a-long-random-string-for-this-subprocess-only-0123456789")
    script = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'], settings.DEBUG)"
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
                            cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["whitenoise.storage.CompressedManifestStaticFilesStorage", "False"], result.stderr


@pytest.fixture
def collected(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", "--noinput", verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.parametrize("name", ["css/academy.css", "vendor/bootstrap/bootstrap.min.css", "js/quiz-autosave.js"])
def test_a_collected_file_is_fingerprinted_compressed_and_cached_for_a_year(collected, name):
    url = static(name)
    stem, _, suffix = name.rpartition(".")
    assert re.fullmatch(rf"/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{suffix}", url), url

    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", cache_control).group(1)) >= ONE_YEAR and "immutable" in cache_control
    assert response["Content-Encoding"] == "gzip" and "Accept-Encoding" in response["Vary"]
    body = b"".join(response.streaming_content)
    original = (collected / url.removeprefix("/static/")).read_bytes()
    assert gzip.decompress(body) == original and len(body) < len(original) / 2

    plain = Client().get(url)  # a client that takes no compression gets the file itself
    assert "Content-Encoding" not in plain and b"".join(plain.streaming_content) == original


def test_an_unfingerprinted_name_is_not_cached_for_long(collected):
    response = Client().get("/static/css/academy.css")
    assert response.status_code == 200
    assert int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)) < ONE_YEAR
