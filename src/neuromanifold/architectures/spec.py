"""Spec strings: Python-call-like text such as ``mlp(widths=[2,2,1], activation="x^3")``.

:func:`read_call` checks the syntax and returns the family name and its
arguments with their positions (for error messages that point at the
offending character); :func:`format_spec` writes the canonical text that
``str(arch)`` returns and ``parse`` reads back.
"""

from __future__ import annotations

import ast
import difflib
import warnings
from dataclasses import dataclass

from ..errors import SpecError


@dataclass(frozen=True)
class Argument:
    """One argument of a spec: its value, and where it (and each list entry) starts."""

    name: str | None  # None for a positional argument
    value: object
    position: int  # where the value starts
    entry_positions: tuple = ()
    keyword_position: int | None = None  # where ``name=`` starts


def _format_value(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_format_value(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def format_spec(family: str, items) -> str:
    """Canonical spec text: ``family(key=value, ...)`` with lists written ``[a,b,c]``."""
    return f"{family}(" + ", ".join(f"{k}={_format_value(v)}" for k, v in items) + ")"


def _col(text: str, byte_col: int) -> int:
    """Character column of an ast byte offset (they differ for non-ASCII text)."""
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def _literal(node: ast.AST, text: str, spec: str, offset: int):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        segment = ast.get_source_segment(text, node) or "this value"
        raise SpecError(
            f"{segment!r} is not a literal value; write numbers, lists like [4,2,3], quoted strings like "
            f"\"x^3\", True or False", spec, offset + _col(text, node.col_offset)) from None


def read_call(spec: str, families) -> tuple[str, list[Argument]]:
    """Parse the text of a spec into (family, arguments); ``families`` are the known names."""
    if not isinstance(spec, str):
        raise SpecError(f"a spec must be a string such as \"linear(widths=[4,2,3])\", got {type(spec).__name__}")
    text = spec.strip()
    if not text:
        raise SpecError("empty spec; write e.g. \"linear(widths=[4,2,3])\"")
    offset = spec.index(text[0])
    if "\n" in text:
        raise SpecError("a spec is one line, e.g. \"linear(widths=[4,2,3])\"", spec, offset + text.index("\n"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")         # e.g. "invalid decimal literal" for 1linear(...)
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1
        col = max(0, min(col, len(text) - 1))
        char = text[col] if col < len(text) else "end of text"
        reason = exc.msg.split(" (")[0]
        raise SpecError(f"malformed spec: {reason} near {char!r}; the form is family(key=value, ...), "
                        f"e.g. mlp(widths=[2,2,1], activation=\"x^3\")", spec, offset + col) from None
    body = tree.body
    if isinstance(body, ast.Name):
        name = body.id
        hint = _family_hint(name, families)
        raise SpecError(f"{name!r} needs its arguments in parentheses, e.g. {name}(...){hint}", spec,
                        offset + _col(text, body.col_offset) + len(name))
    if not isinstance(body, ast.Call) or not isinstance(body.func, ast.Name):
        raise SpecError("a spec is one family call such as linear(widths=[4,2,3])", spec,
                        offset + _col(text, getattr(body, "col_offset", 0)))
    family = body.func.id
    if family not in families:
        close = difflib.get_close_matches(family, list(families), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SpecError(f"unknown family {family!r}: {hint}known families are {', '.join(families)}",
                        spec, offset + _col(text, body.func.col_offset))
    args: list[Argument] = []
    for node in body.args:
        if isinstance(node, ast.Starred):
            raise SpecError("*arguments are not allowed in a spec", spec, offset + _col(text, node.col_offset))
        args.append(_argument(None, node, text, spec, offset))
    for kw in body.keywords:
        if kw.arg is None:
            raise SpecError("**arguments are not allowed in a spec", spec,
                            offset + _col(text, kw.value.col_offset) - 2)
        args.append(_argument(kw.arg, kw.value, text, spec, offset, offset + _col(text, kw.col_offset)))
    return family, args


def _argument(name, node, text, spec, offset, keyword_position=None) -> Argument:
    value = _literal(node, text, spec, offset)
    entries = ()
    if isinstance(node, (ast.List, ast.Tuple)):
        entries = tuple(offset + _col(text, e.col_offset) for e in node.elts)
    return Argument(name, value, offset + _col(text, node.col_offset), entries, keyword_position)


def _family_hint(name, families) -> str:
    if name in families:
        return ""
    close = difflib.get_close_matches(name, list(families), n=1)
    return f" (and did you mean {close[0]!r}?)" if close else ""


def suggest(name: str, choices) -> str:
    """`` did you mean 'x'?`` or an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" did you mean {close[0]!r}?" if close else ""


# -- checks used by the constructors ------------------------------------------------


def positive_ints(keyword: str, value, min_length: int = 1, example: str = "[4,2,3]") -> tuple:
    """A non-empty list of positive integers (a bare int is not accepted)."""
    if isinstance(value, (bool, int, str)) or not isinstance(value, (list, tuple)):
        raise SpecError(f"{keyword} must be a list of positive integers such as {example}, got {value!r}",
                        keyword=keyword)
    if len(value) < min_length:
        need = f"at least {min_length} entries" if min_length > 1 else "at least one entry"
        raise SpecError(f"{keyword} needs {need}, e.g. {keyword}={example}; got {list(value)!r}",
                        keyword=keyword)
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int):
            raise SpecError(f"{keyword}[{i}] must be a positive integer, got {v!r}", keyword=keyword, index=i)
        if v <= 0:
            raise SpecError(f"{keyword}[{i}] must be a positive integer, got {v}; every entry is >= 1",
                            keyword=keyword, index=i)
    return tuple(int(v) for v in value)


def positive_int(keyword: str, value, example: int = 2) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{keyword} must be a positive integer such as {keyword}={example}, got {value!r}",
                        keyword=keyword)
    if value <= 0:
        raise SpecError(f"{keyword} must be a positive integer, got {value}", keyword=keyword)
    return int(value)


def activation(family: str, example: str, text, degree):
    """The activation argument of ``family`` (with its ``degree``), errors pointing at the right one."""
    from ..activations import parse_activation

    if text is None:
        raise SpecError(f"{family} needs an activation, e.g. {example}")
    if not isinstance(text, str):
        raise SpecError(f"activation must be a quoted string such as \"x^2\", got {text!r}", keyword="activation")
    if degree is not None and (isinstance(degree, bool) or not isinstance(degree, int)):
        raise SpecError(f"degree must be a positive integer such as degree=3, got {degree!r}",
                        keyword="degree")
    try:
        return parse_activation(text, degree)
    except SpecError as err:
        keyword = "degree" if err.message.startswith("degree") else "activation"
        raise type(err)(err.message, keyword=keyword) from None


def boolean(keyword: str, value) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{keyword} must be True or False, got {value!r}", keyword=keyword)
    return value
