"""The labs' pages. Each view translates a request into calls on the lab's models and modules
(``labs.builder``, ``labs.exports``, ``labs.catalog``, ``LabAttempt``) and renders the answer."""

from .aws import (
    aws_apply,
    aws_deploy,
    aws_list,
    aws_plan,
    aws_plan_page,
    aws_progress,
    aws_resume,
    aws_role,
    aws_role_template,
    aws_teardown,
)
from .builder import builder, builder_check, download, export_text, hints
from .catalog import lab_detail, lab_list, lab_start
from .importing import import_design
from .sandbox import invoke, sandbox, sandbox_deploy, sandbox_load, sandbox_promote, sandbox_send, sandbox_ws

__all__ = ["aws_apply", "aws_deploy", "aws_list", "aws_plan", "aws_plan_page", "aws_progress", "aws_resume", "aws_role",
           "aws_role_template", "aws_teardown","builder", "builder_check", "download", "export_text", "hints", "import_design", "lab_detail",
           "lab_list", "lab_start",
           "invoke", "sandbox", "sandbox_deploy", "sandbox_load", "sandbox_promote", "sandbox_send", "sandbox_ws"]
