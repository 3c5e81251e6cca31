"""The labs' pages. Each view translates a request into calls on the lab's models and modules
(``labs.builder``, ``labs.exports``, ``labs.catalog``, ``LabAttempt``) and renders the answer."""

from .builder import builder, builder_check, download, export_text, hints
from .catalog import lab_detail, lab_list, lab_start
from .importing import import_design
from .sandbox import invoke, sandbox, sandbox_deploy, sandbox_load, sandbox_promote, sandbox_send, sandbox_ws

__all__ = ["builder", "builder_check", "download", "export_text", "hints", "import_design", "lab_detail",
           "lab_list", "lab_start",
           "invoke", "sandbox", "sandbox_deploy", "sandbox_load", "sandbox_promote", "sandbox_send", "sandbox_ws"]
