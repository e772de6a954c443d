"""Regenerate the committed templates: `python -m addin.workbook_templates`."""

from __future__ import annotations

from addin.workbook_templates.builder import build_workbook, template_path

if __name__ == "__main__":
    for lang in ("zh", "en"):
        build_workbook(template_path(lang), lang)
        print(template_path(lang))
