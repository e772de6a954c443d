"""addin.core is pure: it imports no spreadsheet, Excel, CLI or terminal library."""

import ast
import json
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("openpyxl", "python_calamine", "xlwings", "click", "typer", "rich", "xlsxwriter", "docxtpl",
             "fastexcel", "pandas")
CORE = Path(__file__).resolve().parents[1] / "addin" / "core"


def test_core_modules_import_nothing_forbidden_at_runtime():
    modules = sorted(f"addin.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = {name.split(".")[0] for name in json.loads(out)}
    assert not loaded & set(FORBIDDEN), loaded & set(FORBIDDEN)


def test_core_source_has_no_forbidden_or_file_system_imports():
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in (*FORBIDDEN, "os", "pathlib", "shutil", "zipfile"), (path, name)
                assert not name.startswith(("addin.workbook", "addin.cli", "addin.excel", "addin.docs")), (path, name)
