"""Turn a design into the POST data a learner would send for each builder step, using the forms'
own initial values: a plain-POST walk through the builder with a scenario's reference solution."""

from __future__ import annotations

from labs.apigw.model import Design
from labs.builder import BoundStep


def _value(value) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def post_data(step: str, design: Design) -> dict[str, str]:
    bound = BoundStep.of(step, design).parts
    data: dict[str, str] = {}
    for part in bound.values():
        if hasattr(part, "forms"):
            total = len(part.initial or [])
            data[f"{part.prefix}-TOTAL_FORMS"] = str(total)
            data[f"{part.prefix}-INITIAL_FORMS"] = "0"
            forms = [part.form(prefix=f"{part.prefix}-{i}", initial=row, **part.form_kwargs)
                     for i, row in enumerate(part.initial or [])]
        else:
            forms = [part]
        for form in forms:
            for name, field in form.fields.items():
                value = _value(form.initial.get(name, field.initial))
                if value is not None:
                    data[form.add_prefix(name)] = value
    return data
