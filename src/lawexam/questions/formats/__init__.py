"""Question import and export formats.

Readers return a ``ParseResult`` (drafts plus located problems) and never raise for bad
input; writers take drafts and return the file's bytes or text.
"""
from lawexam.questions.formats.base import (
    DROPPED, DUPLICATE, ERROR, SEVERITIES, UNSUPPORTED, WARNING, Draft, ImportProblem,
    ModuleHeader, ParseResult)
from lawexam.questions.formats.dispatch import parse_file
from lawexam.questions.formats.duplicates import find_duplicates
from lawexam.questions.formats.gift_export import export_gift
from lawexam.questions.formats.moodle_xml_export import export_moodle_xml
from lawexam.questions.formats.tabular_export import export_xlsx, template_csv, template_xlsx
from lawexam.questions.formats.yaml_export import export_yaml

__all__ = [
    "DROPPED", "DUPLICATE", "ERROR", "SEVERITIES", "UNSUPPORTED", "WARNING",
    "Draft", "ImportProblem", "ModuleHeader", "ParseResult",
    "parse_file", "find_duplicates",
    "export_xlsx", "export_gift", "export_moodle_xml", "export_yaml",
    "template_xlsx", "template_csv",
]
