"""Run kam's cell functions through xlwings' real Windows UDF machinery, on Linux.

xlwings only applies its UDF decorators (`xlwings.udfs.xlfunc/xlarg/xlret`) and its COM-side conversion
pipeline on Windows. This script stubs the pywin32 modules (pythoncom, pywintypes, win32com...), imports
xlwings as if on Windows, imports `addin.excel.udfs` (so the real decorators run), then answers calls with
xlwings' own `xlwings.udfs.call_udf`: the function Excel's VBA wrapper calls through the COM server. Range
arguments are fake COM Range objects whose `.Value` is what Excel's COM gives (a scalar for one cell, a tuple
of row tuples for more, floats for numbers, pywintypes.TimeType for dates, None for empty cells); an omitted
optional argument is VBA's "missing" marker. It runs in its own process (a subprocess of the tests) because
it makes xlwings believe it is on Windows.

Input (stdin, JSON): {"calls": [[func, [arg, ...]], ...]}; an arg is {"range": cells} (cells a scalar or a
2-D list), {"date": "YYYY-MM-DD"}, {"missing": true}, or a plain JSON value. Output (stdout, JSON):
{"results": [value or {"error": text}], "xlfunc": {name: metadata}, "vba": generated VBA module text}.
"""

from __future__ import annotations

import asyncio  # noqa: F401  (imported before sys.platform is patched: asyncio picks its loop by platform)
import concurrent.futures  # noqa: F401
import ctypes
import datetime as dt
import io
import json
import subprocess  # noqa: F401
import sys
import types

RANGE_IID = "{00020846-0000-0000-C000-000000000046}"
MISSING = -2147352572


class TimeType(dt.datetime):
    """pywintypes.TimeType: pywin32's COM date, a datetime subclass (timezone-aware, as pywin32 returns)."""


class ComError(Exception):
    pass


class _Anything:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __getattr__(self, name: str) -> _Anything:
        return _Anything()

    def __call__(self, *args: object, **kwargs: object) -> _Anything:
        return _Anything()


def _module(name: str, **attrs: object) -> types.ModuleType:
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    m.__path__ = []  # type: ignore[attr-defined]
    sys.modules[name] = m
    return m


def install_windows_xlwings() -> types.ModuleType:
    """Import xlwings with its Windows code paths, pywin32 stubbed; returns xlwings.udfs."""
    _module("pywintypes", TimeType=TimeType, com_error=ComError, IID=lambda s: s)
    _module("pythoncom", __file__="pythoncom.dll", CoInitialize=lambda: None, IID_IDispatch=None,
            IID_IEnumVARIANT=None, TypeIIDs={None: object}, com_error=ComError)
    for name in ("win32api", "win32con", "win32gui", "win32event"):
        _module(name)
    _module("win32process", GetWindowThreadProcessId=lambda hwnd: (0, 4242))

    class TimeZoneInfo:
        @staticmethod
        def utc() -> dt.tzinfo:
            return dt.UTC

    _module("win32timezone", TimeZoneInfo=TimeZoneInfo)
    win32com = _module("win32com")
    client = _module("win32com.client", CDispatch=_Anything, CoClassBaseClass=object, Dispatch=_Anything,
                     DispatchBaseClass=object, DispatchEx=_Anything)
    client.gencache = _module("win32com.client.gencache", EnsureModule=lambda *a, **k: None)  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    _module("win32com.server")
    for name in ("dispatcher", "policy", "util"):
        _module("win32com.server." + name)
    saved_pydll, platform = ctypes.PyDLL, sys.platform
    ctypes.PyDLL = _Anything  # type: ignore[misc,assignment]
    for name in ("oledll", "windll"):
        if not hasattr(ctypes, name):
            setattr(ctypes, name, _Anything())
    sys.platform = "win32"
    try:
        import xlwings
        import xlwings.udfs as udfs
    finally:
        sys.platform, ctypes.PyDLL = platform, saved_pydll  # type: ignore[misc]
    assert xlwings.func is udfs.xlfunc, "xlwings did not take its Windows code path"
    return udfs


class _TypeAttr:
    iid = RANGE_IID


class _OleObj:
    def GetTypeInfo(self) -> _OleObj:
        return self

    def GetTypeAttr(self) -> _TypeAttr:
        return _TypeAttr()


def _com_value(v: object) -> object:
    if isinstance(v, dict) and "date" in v:
        d = dt.date.fromisoformat(str(v["date"]))
        return TimeType(d.year, d.month, d.day, tzinfo=dt.UTC)
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return float(v)  # Excel hands every number over COM as a double
    raise TypeError(v)


class _Count:
    def __init__(self, n: int) -> None:
        self.Count = n


class _ComApp:
    Hwnd = 1


class _ComBook:
    Application = _ComApp()
    Name = "rep.xlsx"


class _ComSheet:
    Parent = _ComBook()
    Name = "价值评估"


class ComRange:
    """What pywin32 hands a UDF for a range argument: a COM Range whose Value is a scalar or row tuples."""

    _oleobj_ = _OleObj()
    Worksheet = _ComSheet()
    Row = Column = 2

    def __init__(self, cells: object) -> None:
        rows = cells if isinstance(cells, list) else [[cells]]
        self.Rows, self.Columns = _Count(len(rows)), _Count(len(rows[0]))
        if isinstance(cells, list):
            self.Value = tuple(tuple(_com_value(c) for c in row) for row in cells)
            if len(self.Value) == 1 and len(self.Value[0]) == 1:
                self.Value = self.Value[0][0]
        else:
            self.Value = _com_value(cells)


def _arg(a: object) -> object:
    if isinstance(a, dict) and "range" in a:
        return ComRange(a["range"])
    if isinstance(a, dict) and a.get("missing"):
        return MISSING
    return _com_value(a)


def _plain(v: object) -> object:
    if isinstance(v, dt.datetime):
        return {"datetime": v.replace(tzinfo=None).isoformat()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


def main() -> None:
    udfs = install_windows_xlwings()
    import addin.excel.udfs as kam

    request = json.load(sys.stdin)
    results = []
    for name, args in request["calls"]:
        try:
            results.append(_plain(udfs.call_udf("addin.excel.udfs", name, tuple(_arg(a) for a in args))))
        except Exception as exc:  # the test reports what xlwings raised
            results.append({"error": f"{type(exc).__name__}: {exc}"})
    meta = {}
    for name in dir(kam):
        info = getattr(getattr(kam, name), "__xlfunc__", None)
        if info:
            meta[name] = {"args": [{"name": a["name"], "optional": "optional" in a,
                                    "convert": repr(a["options"].get("convert")),
                                    "ndim": a["options"].get("ndim")} for a in info["args"]],
                          "ret": repr(info["ret"]["options"].get("convert")), "volatile": info["volatile"]}
    vba = io.StringIO()

    class AddinBook:
        Name = "kam.xlam"

    udfs.generate_vba_wrapper("addin.excel.udfs", kam, vba, AddinBook())
    json.dump({"results": results, "xlfunc": meta, "vba": vba.getvalue()}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
