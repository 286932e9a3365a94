"""The public pages served before anyone logs in."""

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_home_page_in_greek_with_the_design_system(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="el">' in html
    assert "Δήμος Θέρμης" in html
    assert "/static/digigov/digigov.css" in html


def test_the_design_system_stylesheet_is_served_from_npm():
    """@digigov/css comes from npm (no CDN): staticfiles must find it in node_modules."""
    path = finders.find("digigov/digigov.css")
    assert path and "node_modules" in path


@pytest.mark.django_db
def test_health_answers_when_the_database_does(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_municipality_is_named_in_the_readers_language(client, settings):
    settings.MUNICIPALITY_NAME_EN = "Municipality of Thermi"
    assert "Municipality of Thermi" in client.get("/en/").content.decode()
    assert "Δήμος Θέρμης" in client.get("/").content.decode()
