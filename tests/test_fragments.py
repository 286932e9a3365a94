"""``{% fragment %}`` renders a part of the page once per process and per value it varies on."""

import pytest
from django.template import Context, Engine, TemplateSyntaxError

ENGINE = Engine(libraries={"fragments": "thermi_portal.templatetags.fragments"})


class Counter:
    """Counts how often a template reads it: each read is one render of the fragment."""

    def __init__(self):
        self.reads = 0

    def __str__(self):
        self.reads += 1
        return str(self.reads)


def test_rendered_once_per_value_it_varies_on(settings):
    settings.DEBUG = False
    template = ENGINE.from_string(
        "{% load fragments %}{% fragment menu lang %}{{ lang }}{{ counter }}{% endfragment %}"
    )
    counter = Counter()
    pages = [template.render(Context({"lang": lang, "counter": counter})) for lang in "eeaae"]
    assert pages == ["e1", "e1", "a2", "a2", "e1"]
    assert counter.reads == 2


def test_rendered_every_time_under_debug(settings):
    settings.DEBUG = True
    template = ENGINE.from_string(
        "{% load fragments %}{% fragment menu %}{{ counter }}{% endfragment %}"
    )
    counter = Counter()
    assert [template.render(Context({"counter": counter})) for _ in range(3)] == ["1", "2", "3"]


def test_a_block_inside_is_refused():
    with pytest.raises(TemplateSyntaxError, match="may hold no"):
        ENGINE.from_string(
            "{% load fragments %}{% fragment menu %}{% if x %}{% block b %}{% endblock %}"
            "{% endif %}{% endfragment %}"
        )


def test_the_page_around_it_still_extends(settings):
    settings.DEBUG = False
    engine = Engine(
        libraries={"fragments": "thermi_portal.templatetags.fragments"},
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    "base.html": "{% load fragments %}{% fragment head %}<h1>T</h1>{% endfragment %}"
                    "{% block content %}base{% endblock %}",
                    "page.html": "{% extends 'base.html' %}{% block content %}page{% endblock %}",
                },
            )
        ],
    )
    assert engine.get_template("page.html").render(Context()) == "<h1>T</h1>page"
