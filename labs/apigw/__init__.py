"""The API Gateway domain in plain Python (no Django): design model, rules, exports, imports, labs.

Modules: ``model`` (the design), ``rules`` (validation and form options), ``openapi`` and
``cloudformation`` (export/import), ``sdk`` (client code), ``diagram`` (SVG), ``objectives`` and
``scenarios`` (labs), ``cli`` (functions behind the management command).
"""
