"""``{% fragment name value ... %}…{% endfragment %}``: what is inside, rendered once for each set of
values in this process and for each release of the course, and then sent as it was
(courseware/pagecache.py, ``FRAGMENTS``).

The release token is part of every key (read from the request, so no fragment can leave it out): a new
course is never paired with fragments of the old one. The values are everything the fragment shows that
differs between readers (signed in or not, their ticks, their bookmarks; the header's name and role).
A fragment holding a form is wrapped in ``{% with csrf_token=csrf_placeholder %}`` (the reader's token
goes in on the way out).

It does what Django's ``{% cache None name value ... using="local" %}`` did here, for a tenth of the
cost: the key is the values themselves, not an MD5 of them checked against memcached's rules, and the
HTML is kept as the string it is rather than pickled. That was 0.2 ms of a signed-in lesson page's
1.7 ms, for its eight fragments.
"""

from __future__ import annotations

from django import template

from courseware.pagecache import FRAGMENTS, fragment_key

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str, values: list) -> None:
        self.nodelist, self.name, self.values = nodelist, name, values

    def render(self, context) -> str:
        key = (self.name, fragment_key(getattr(context, "request", None)),
               *(value.resolve(context) for value in self.values))
        try:
            found = FRAGMENTS.get(key)
        except TypeError:  # a value that cannot be a key (a list): rendered every time, as it is
            return self.nodelist.render(context)
        if found is None:
            found = self.nodelist.render(context)
            FRAGMENTS.set(key, found)
        return found


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            f"'{bits[0]}' takes a name and the values it is kept for: {{% fragment lesson-head lesson.id %}}")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, bits[1], [parser.compile_filter(bit) for bit in bits[2:]])
