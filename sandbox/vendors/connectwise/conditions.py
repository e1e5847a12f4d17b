"""ConnectWise `conditions` and `orderBy`, enough of them to filter the sandbox's lists as the PSA does.

    predicate("company/id=250 and cancelledFlag=false", known={"company", "cancelledflag"})
    predicate('identifier like "Blue*" or (name contains "dental" and deletedFlag = false)', known=...)
    predicate("lastUpdated > [2026-01-01T00:00:00Z]", known=...)

Fields are slash paths into a record's JSON, compared case-insensitively as SQL Server does;
string values are quoted, dates are in brackets. Operators: `= != < <= > >= contains like in`
(and `not contains`, `not like`, `not in`), joined by `and` / `or`, with parentheses. A field
the resource does not have, or a condition that does not parse, raises `ConditionError`, which
the fake answers with ConnectWise's 400.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from typing import Any

from sandbox.routing import BadQuery

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

TOKEN = re.compile(r"""\s*(?:
    (?P<paren>[(),])
  | (?P<op><=|>=|!=|=|<|>)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<date>\[[^\]]*\])
  | (?P<number>-?\d+(?:\.\d+)?)(?![\w/])
  | (?P<word>[A-Za-z_][\w/.]*)
)""", re.VERBOSE)
KEYWORDS = {"and", "or", "not", "like", "contains", "in", "true", "false", "null"}


class ConditionError(BadQuery):
    """A condition or orderBy the PSA would refuse with 400; `field` is the parameter at fault."""

    def __init__(self, message: str, field: str = "conditions") -> None:
        super().__init__(message, field)


def predicate(text: str, known: Collection[str]) -> Predicate:
    """Compile a `conditions` string; `known` are the resource's top-level field names, lowercase."""
    parser = _Parser(list(_tokens(text)), {k.lower() for k in known})
    result = parser.either()
    if parser.tokens:
        raise ConditionError(f"unexpected {parser.tokens[0][1]!r} in conditions")
    return result


def order(text: str, known: Collection[str]) -> Callable[[list[Record]], list[Record]]:
    """Compile an `orderBy` such as `"id asc"` or `"company/name desc, id asc"` into a sorter."""
    keys: list[tuple[str, bool]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        field, _, direction = part.partition(" ")
        if field.split("/")[0].lower() not in {k.lower() for k in known}:
            raise ConditionError(f"orderBy names an unknown field {field!r}", "orderBy")
        if direction.strip().lower() not in ("", "asc", "desc"):
            raise ConditionError(f"orderBy direction must be asc or desc, not {direction.strip()!r}", "orderBy")
        keys.append((field, direction.strip().lower() == "desc"))

    def sort(records: list[Record]) -> list[Record]:
        for field, descending in reversed(keys):
            present = [r for r in records if value_at(r, field) is not None]
            absent = [r for r in records if value_at(r, field) is None]
            present.sort(key=lambda r: _comparable(value_at(r, field)), reverse=descending)
            records = present + absent
        return records

    return sort


def value_at(record: Record, path: str) -> Any:
    """`value_at({"company": {"id": 250}}, "company/id")` → 250; field names ignore case."""
    value: Any = record
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    position, text = 0, text.strip()
    while position < len(text):
        found = TOKEN.match(text, position)
        if not found or found.end() == position:
            raise ConditionError(f"cannot read conditions at {text[position:position + 20]!r}")
        kind = found.lastgroup or ""
        yield kind, found.group(kind)
        position = found.end()


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], known: set[str]) -> None:
        self.tokens, self.known = tokens, known

    def either(self) -> Predicate:
        left = self.both()
        while self._keyword("or"):
            right, first = self.both(), left
            left = lambda r, a=first, b=right: a(r) or b(r)
        return left

    def both(self) -> Predicate:
        left = self.atom()
        while self._keyword("and"):
            right, first = self.atom(), left
            left = lambda r, a=first, b=right: a(r) and b(r)
        return left

    def atom(self) -> Predicate:
        if self._take("paren", "("):
            inner = self.either()
            if not self._take("paren", ")"):
                raise ConditionError("a parenthesis is not closed in conditions")
            return inner
        kind, field = self._next()
        if kind != "word" or field.lower() in KEYWORDS:
            raise ConditionError(f"expected a field name in conditions, found {field!r}")
        if field.split("/")[0].lower() not in self.known:
            raise ConditionError(f"conditions name an unknown field {field!r}")
        negate = self._keyword("not")
        kind, op = self._next()
        op = op.lower()
        if kind == "op" and not negate:
            return _compare(field, op, self.literal())
        if kind == "word" and op in ("like", "contains"):
            wanted = str(self.literal())
            return _negated(_match(field, op, wanted), negate)
        if kind == "word" and op == "in":
            if not self._take("paren", "("):
                raise ConditionError("`in` needs a list in parentheses")
            values = [self.literal()]
            while self._take("paren", ","):
                values.append(self.literal())
            if not self._take("paren", ")"):
                raise ConditionError("the list after `in` is not closed")
            return _negated(lambda r: any(_equal(value_at(r, field), v) for v in values), negate)
        raise ConditionError(f"unknown operator {op!r} in conditions")

    def literal(self) -> Any:
        kind, text = self._next()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "date":
            return _date(text[1:-1])
        if kind == "word" and text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text.lower()]
        raise ConditionError(f"expected a value in conditions, found {text!r}")

    def _next(self) -> tuple[str, str]:
        if not self.tokens:
            raise ConditionError("conditions end too early")
        return self.tokens.pop(0)

    def _take(self, kind: str, text: str) -> bool:
        if self.tokens and self.tokens[0] == (kind, text):
            self.tokens.pop(0)
            return True
        return False

    def _keyword(self, word: str) -> bool:
        if self.tokens and self.tokens[0][0] == "word" and self.tokens[0][1].lower() == word:
            self.tokens.pop(0)
            return True
        return False


def _compare(field: str, op: str, wanted: Any) -> Predicate:
    if op == "=":
        return lambda r: _equal(value_at(r, field), wanted)
    if op == "!=":
        return lambda r: not _equal(value_at(r, field), wanted)
    test = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[op]

    def ordered(record: Record) -> bool:
        have = value_at(record, field)
        if have is None or wanted is None:
            return False
        try:
            return test(*_aligned(have, wanted))
        except TypeError:
            return False

    return ordered


def _match(field: str, op: str, wanted: str) -> Predicate:
    pattern = wanted.casefold().replace("%", "*")

    def matches(record: Record) -> bool:
        have = value_at(record, field)
        if have is None:
            return False
        text = str(have).casefold()
        return pattern in text if op == "contains" else fnmatch.fnmatchcase(text, pattern)

    return matches


def _negated(test: Predicate, negate: bool) -> Predicate:
    return (lambda r: not test(r)) if negate else test


def _equal(have: Any, wanted: Any) -> bool:
    if wanted is None or have is None:
        return have is None and wanted is None
    try:
        a, b = _aligned(have, wanted)
    except TypeError:
        return False
    return a == b


def _aligned(have: Any, wanted: Any) -> tuple[Any, Any]:
    """Put a record's value and a condition's value on the same footing (case, dates, numbers)."""
    if isinstance(wanted, datetime):
        try:
            return _date(str(have)), wanted
        except ConditionError:
            raise TypeError from None
    if isinstance(wanted, bool) or isinstance(have, bool):
        if not (isinstance(wanted, bool) and isinstance(have, bool)):
            raise TypeError
        return have, wanted
    if isinstance(wanted, (int, float)) and isinstance(have, (int, float)):
        return have, wanted
    if isinstance(wanted, str) and isinstance(have, str):
        return have.casefold(), wanted.casefold()
    raise TypeError


def _comparable(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConditionError(f"{text!r} is not a date") from None
