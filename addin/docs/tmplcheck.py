"""Check a briefing template against the briefing context before any file is written: every variable in
every loop and branch, not only the ones a trial render happens to reach.

The template's syntax tree is walked once; each variable path (`account.customer_name`, `f.due` inside
`{% for f in follow_ups %}`) is resolved against the *shape* of the context: the union of the contexts of
the batch and of the built-in demo (whose accounts fill every list). A path the shape does not have is
reported with its line (for a .docx: the text of the paragraph it stands in), all of them at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, nodes

_ANY = object()  # a part of the shape nothing is known about: anything below it is accepted


@dataclass
class Shape:
    """What a context value looks like: its dict keys, its list items, and the leaf types seen."""

    keys: dict[str, Shape] = field(default_factory=dict)
    item: Shape | None = None
    leaves: set[type] = field(default_factory=set)

    def add(self, value: Any) -> Shape:
        if isinstance(value, dict):
            for k, v in value.items():
                self.keys.setdefault(str(k), Shape()).add(v)
            self.leaves.add(dict)
        elif isinstance(value, list | tuple):
            self.item = self.item or Shape()
            for v in value:
                self.item.add(v)
            self.leaves.add(list)
        else:
            self.leaves.add(type(value))
        return self

    def step(self, name: str) -> Shape | object | None:
        """The shape below `name` (a key, an attribute, "[]" for an item); None when it cannot exist."""
        if name == "[]":
            return self.item if self.item is not None else _ANY
        if name in self.keys:
            return self.keys[name]
        if any(hasattr(t, name) for t in self.leaves):  # a method: .items(), .upper(), .get()...
            return _ANY
        return None


def shape_of(contexts: list[dict[str, Any]]) -> Shape:
    shape = Shape()
    for c in contexts:
        shape.add(c)
    return shape


@dataclass(frozen=True)
class Unknown:
    path: str
    line: int


def _path(node: nodes.Node, scope: dict[str, tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """The context path an expression names, or None when it is not a plain path (a literal, a call...)."""
    if isinstance(node, nodes.Name):
        if node.name in scope:
            return scope[node.name]
        return (node.name,)
    if isinstance(node, nodes.Getattr):
        base = _path(node.node, scope)
        return None if base is None else (*base, node.attr)
    if isinstance(node, nodes.Getitem):
        base = _path(node.node, scope)
        if base is None:
            return None
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return (*base, node.arg.value)
        return (*base, "[]")  # an index: one item of a list
    if isinstance(node, nodes.Filter) and node.name in ("first", "last", "sort", "unique", "reverse", "list"):
        return _path(node.node, scope) if node.node is not None else None
    return None


def _written(node: nodes.Node) -> str:
    """An expression as the template writes it (f.dew, account['owner'])."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_written(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        key = repr(node.arg.value) if isinstance(node.arg, nodes.Const) else "…"
        return f"{_written(node.node)}[{key}]"
    if isinstance(node, nodes.Filter) and node.node is not None:
        return f"{_written(node.node)}|{node.name}"
    return "…"


def _names(target: nodes.Node) -> list[nodes.Name]:
    """The names a loop or assignment target binds (find_all does not yield the node itself)."""
    return [target] if isinstance(target, nodes.Name) else list(target.find_all(nodes.Name))


def _guarded(node: nodes.Node) -> bool:
    """Expressions a template may write for a value that need not exist: `x|default(...)`, `x is defined`."""
    return (isinstance(node, nodes.Filter) and node.name in ("default", "d")) or \
        (isinstance(node, nodes.Test) and node.name in ("defined", "undefined", "none"))


def template_paths(env: Environment, source: str) -> list[tuple[tuple[str, ...], int, str]]:
    """Every variable path the template reads, with its line and as written, loop variables resolved to
    their lists."""
    found: list[tuple[tuple[str, ...], int, str]] = []

    def visit(node: nodes.Node, scope: dict[str, tuple[str, ...] | None]) -> None:
        if _guarded(node):
            return
        if isinstance(node, nodes.For):
            visit(node.iter, scope)
            inner = dict(scope)
            items = _path(node.iter, scope)
            item_path = None if items is None else (*items, "[]")
            for target in _names(node.target):
                inner[target.name] = item_path if isinstance(node.target, nodes.Name) else None
            inner["loop"] = None
            for child in node.body:
                visit(child, inner)
            for child in node.else_:
                visit(child, scope)
            if node.test is not None:
                visit(node.test, inner)
            return
        if isinstance(node, nodes.Assign | nodes.AssignBlock):
            if isinstance(node, nodes.Assign):
                visit(node.node, scope)
            for target in _names(node.target):
                scope[target.name] = _path(node.node, scope) if isinstance(node, nodes.Assign) else None
            return
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in getattr(node, "args", []):
                inner[arg.name] = None
            for child in node.body:
                visit(child, inner)
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name) and isinstance(node.ctx, str) \
                and node.ctx == "load":
            path = _path(node, scope)
            if path is not None:
                found.append((path, node.lineno, _written(node)))
                return
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(env.parse(source), {})
    return found


def unknown_paths(env: Environment, source: str, shape: Shape) -> list[Unknown]:
    """The paths of the template the context shape does not have (each once, in template order)."""
    out: dict[str, Unknown] = {}
    for path, line, written in template_paths(env, source):
        here: Shape | object | None = shape
        for part in path:
            if here is _ANY:
                break
            assert isinstance(here, Shape)
            here = here.step(part)
            if here is None:
                out.setdefault(written, Unknown(written, line))
                break
    return list(out.values())


_TAGS = re.compile(r"<[^>]+>")


def line_text(source: str, line: int, limit: int = 60) -> str:
    """The text a person sees at `line` of a template (tags stripped: a .docx line is one paragraph)."""
    lines = source.splitlines()
    text = _TAGS.sub("", lines[line - 1]) if 0 < line <= len(lines) else ""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
