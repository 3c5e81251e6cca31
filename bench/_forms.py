"""Pages' forms read and filled in the way a browser (and htmx) submits them, for the load test
(``bench/class_locustfile.py``). Plain Python: no locust, no Django."""

from __future__ import annotations

import random
from html.parser import HTMLParser


class Forms(HTMLParser):
    """The forms of a page (or of a piece of one): action, attributes and fields in document order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None
        self._option = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "attrs": a, "fields": [], "locked": False}
        elif self._form is None:
            return
        elif tag == "fieldset" and "disabled" in a:
            self._form["locked"] = True
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "image", "file"):
            kind = a.get("type", "text")
            self._form["fields"].append({"tag": "input", "type": kind, "name": a["name"], "checked": "checked" in a,
                                         "value": a.get("value", "on" if kind in ("checkbox", "radio") else ""),
                                         "disabled": "disabled" in a})
        elif tag == "select" and a.get("name"):
            self._select = {"tag": "select", "name": a["name"], "options": [], "multiple": "multiple" in a,
                            "disabled": "disabled" in a}
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select["options"].append(self._option)
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"tag": "textarea", "name": a["name"], "value": "", "disabled": "disabled" in a}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select is not None:
            if self._form is not None:
                self._form["fields"].append(self._select)
            self._select = self._option = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form["fields"].append(self._textarea)
            self._textarea = None


def form_values(form: dict) -> list[tuple[str, str]]:
    """What the browser sends for this form as it stands (checked boxes, selected options, no disabled
    controls; submit buttons are not included, as in htmx's serialisation on a change)."""
    pairs = []
    for field in form["fields"]:
        if field.get("disabled"):
            continue
        if field["tag"] == "input":
            if field["type"] in ("checkbox", "radio") and not field["checked"]:
                continue
            pairs.append((field["name"], field["value"]))
        elif field["tag"] == "select":
            options = [(o[0] if o[0] is not None else o[2].strip(), o[1]) for o in field["options"]]
            chosen = [v for v, selected in options if selected]
            if not chosen and options and not field["multiple"]:
                chosen = [options[0][0]]
            pairs.extend((field["name"], v) for v in chosen)
        else:
            pairs.append((field["name"], field["value"]))
    return pairs


def an_answer(form: dict, rng: random.Random) -> list[tuple[str, str]]:
    """A learner's answer to one question's form: a choice, some boxes, a number, positions or matches."""
    pairs = [(f["name"], f["value"]) for f in form["fields"] if f["tag"] == "input" and f["type"] == "hidden"]
    radios = [f["value"] for f in form["fields"] if f.get("type") == "radio"]
    boxes = [f["value"] for f in form["fields"] if f.get("type") == "checkbox"]
    texts = [f["name"] for f in form["fields"] if f["tag"] == "input" and f["type"] == "text"]
    selects = [f for f in form["fields"] if f["tag"] == "select"]
    if radios:
        pairs.append(("choice", rng.choice(radios)))
    if boxes:
        pairs += [("choices", v) for v in rng.sample(boxes, rng.randint(1, len(boxes)))]
    for name in texts:
        pairs.append((name, str(rng.choice([1, 2, 3, 5, 10, 29, 30, 50, 100, 128, 300, 1000, 10000]))))
    positions = [f for f in selects if f["name"].startswith("position-")]
    for field, position in zip(positions, rng.sample(range(1, len(positions) + 1), len(positions))):
        pairs.append((field["name"], str(position)))
    for field in selects:
        if not field["name"].startswith("position-"):
            values = [o[0] for o in field["options"] if o[0]]
            pairs.append((field["name"], rng.choice(values)))
    return pairs


def builder_edit(pairs: list[tuple[str, str]], seq: int) -> list[tuple[str, str]]:
    """The learner's change: the edit number htmx's page script counts up, and a text field they edit
    (the API description on the first step; on the others the form goes back as it is, as after undoing
    a change)."""
    out = []
    for name, value in pairs:
        if name == "seq":
            value = str(seq)
        elif name == "description":
            value = f"Orders for the shop (edit {seq})"
        out.append((name, value))
    return out
