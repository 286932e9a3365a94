"""``{% fragment name vary_on... %}…{% endfragment %}``: a part of every page that depends only on
the code, the settings and a few values (the language, the current view), rendered once per
process.

Django's ``{% cache %}`` would do, at a cost paid on every page: a digest of the key and a
pickled copy per hit, and the walk ``{% extends %}`` makes through every node of the parent
template on each render looking for blocks, fragments included. A fragment keeps its renders in
its own node, which lives as long as the compiled template, and hides its nodes from that walk:
it may hold no ``{% block %}``. The values it varies on must come from a small fixed set, and
nothing of the request or the person (CSRF token, path, name) may come in. Under ``DEBUG``,
where templates change under a running server, it renders every time.
"""

from django import template
from django.conf import settings

register = template.Library()


class FragmentNode(template.Node):
    # Not ("nodelist",): {% extends %} need not look for blocks inside, and there are none.
    child_nodelists = ()

    def __init__(self, nodelist: template.NodeList, name: str, vary_on: list) -> None:
        self.nodelist, self.name, self.vary_on = nodelist, name, vary_on
        self.rendered: dict[tuple, str] = {}

    def render(self, context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)
        key = tuple(value.resolve(context) for value in self.vary_on)
        rendered = self.rendered.get(key)
        if rendered is None:
            rendered = self.rendered[key] = self.nodelist.render(context)
        return rendered


@register.tag
def fragment(parser, token) -> FragmentNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]!r} needs a name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    if any(isinstance(node, template.loader_tags.BlockNode) for node in _walk(nodelist)):
        raise template.TemplateSyntaxError(f"{bits[0]} {bits[1]} may hold no {{% block %}}")
    return FragmentNode(nodelist, bits[1], [parser.compile_filter(bit) for bit in bits[2:]])


def _walk(nodelist):
    for node in nodelist:
        yield node
        for attr in node.child_nodelists:
            yield from _walk(getattr(node, attr, None) or [])
