"""Autotask's query language and paging, as its REST API documents them.

    POST …/Companies/query           {"filter": [{"op": "eq", "field": "isActive", "value": true}], "MaxRecords": 500}
    GET  …/Companies/query?search=<the same JSON>
    → {"items": [...], "pageDetails": {"count", "requestCount", "prevPageUrl", "nextPageUrl"}}

Operators `eq noteq gt gte lt lte beginsWith endsWith contains exist notExist in notIn`, grouped with
`{"op": "and" | "or", "items": [...]}`; every top-level condition must hold. Field names are not
case-sensitive. At most 500 records a page (`MaxRecords`, default 500); the next page is at
`<query path>/next?paging=<opaque>&search=<the query>`, so it may be fetched with GET as it is, or
POSTed with the query body again. A query naming a field the entity lacks, or an operator Autotask
has not got, is refused (Autotask answers 500 with its `errors` array).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sandbox.paging import MAX_PAGES, Fetch, _cursor, _position
from sandbox.routing import BadQuery, Call

JSON = dict[str, Any]
Test = Callable[[JSON], bool]
MAX_RECORDS = 500
_KEPT: OrderedDict[tuple[Any, ...], tuple[list[Any], list[Any]]] = OrderedDict()  # see QueryPages.kept
_LOCK = threading.Lock()
MAX_IN = 500
OPERATORS = ("eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains", "exist", "notExist",
             "in", "notIn")


def asked(call: Call) -> JSON:
    """The query a request makes: its JSON body (POST), else its `search` parameter."""
    body = call.incoming.json if call.incoming.method == "POST" else None
    if body is None:
        text = call.incoming.arg("search")
        if not text:
            raise BadQuery("A query needs a search parameter or a JSON body with a filter", "search")
        try:
            body = json.loads(text)
        except ValueError:
            raise BadQuery("The search parameter is not valid JSON", "search") from None
    if not isinstance(body, dict) or not isinstance(body.get("filter"), list) or not body["filter"]:
        raise BadQuery("A query must have a filter with at least one condition", "filter")
    return body


def predicate(conditions: list[Any], fields: set[str]) -> Test:
    """Every condition of a filter, as one test of a record."""
    tests = [_condition(c, fields) for c in conditions]
    return lambda record: all(test(record) for test in tests)


def _condition(condition: Any, fields: set[str]) -> Test:
    if not isinstance(condition, dict) or "op" not in condition:
        raise BadQuery(f"A filter condition must be an object with an op, not {str(condition)[:60]}", "filter")
    op = str(condition["op"])
    if op.lower() in ("and", "or"):
        parts = [_condition(c, fields) for c in condition.get("items") or []]
        if not parts:
            raise BadQuery(f"The {op} group has no items", "filter")
        join = all if op.lower() == "and" else any
        return lambda record: join(part(record) for part in parts)
    found = next((o for o in OPERATORS if o.lower() == op.lower()), None)
    if found is None:
        raise BadQuery(f"Unknown filter operator: {op}", "filter")
    name = str(condition.get("field") or "")
    if name.lower() not in fields:
        raise BadQuery(f"Unable to find {name} in the entity's fields", name)
    value = condition.get("value")
    if found in ("in", "notIn") and (not isinstance(value, list) or len(value) > MAX_IN):
        raise BadQuery(f"The {found} operator takes a list of at most {MAX_IN} values", name)

    if found in ("in", "notIn"):
        wanted = {_key(v) for v in value}  # a set: a 500-id filter over every units row stays quick
        inside = found == "in"
        return lambda record: (_key(_field(record, name)) in wanted) == inside

    return lambda record: _holds(found, _field(record, name), value)


def _field(record: JSON, name: str) -> Any:
    if name in record:
        return record[name]
    return next((v for k, v in record.items() if k.lower() == name.lower()), None)


def _key(value: Any) -> Any:
    """What `eq` compares: booleans as booleans (true is not 1), the rest as `_comparable` makes them."""
    return ("bool", str(value).lower()) if isinstance(value, bool) or str(value).lower() in ("true", "false") \
        else _comparable(value)


def _holds(op: str, have: Any, value: Any) -> bool:
    if op == "exist":
        return have is not None
    if op == "notExist":
        return have is None
    if op in ("beginsWith", "endsWith", "contains"):
        text, part = str(have or "").lower(), str(value or "").lower()
        return {"beginsWith": text.startswith, "endsWith": text.endswith, "contains": text.__contains__}[op](part)
    if op == "eq":
        return _same(have, value)
    if op == "noteq":
        return not _same(have, value)
    if have is None or value is None:
        return False
    left, right = _comparable(have), _comparable(value)
    try:
        return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]
    except TypeError:
        raise BadQuery(f"Cannot compare {str(have)[:30]} with {str(value)[:30]}", "filter") from None


def _same(have: Any, value: Any) -> bool:
    return _key(have) == _key(value)


def _comparable(value: Any) -> Any:
    """Dates compare as dates, numbers as numbers, text without case."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=None)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.lower()


@dataclass(frozen=True)
class QueryPages:
    """Autotask's query paging: the filter applied, `MaxRecords` a page, an opaque next-page URL."""

    token: str = "paging"
    maximum: int = MAX_RECORDS
    # what a bare request for the whole list must carry: Autotask takes no query without a filter
    needs = {"search": json.dumps({"filter": [{"op": "exist", "field": "id"}]})}

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        query = asked(call)
        size = query.get("MaxRecords", self.maximum)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= self.maximum:
            raise BadQuery(f"MaxRecords must be between 1 and {self.maximum}", "MaxRecords")
        kept = self.kept(rows, query["filter"])
        start = _position(call.incoming.arg(self.token), self.token)
        following = None
        if start + size < len(kept):
            base = call.incoming.url.removesuffix("/next")
            following = f"{base}/next?{urlencode({self.token: _cursor(start + size), 'search': json.dumps(query)})}"
        page = kept[start:start + size]
        return {"items": page, "pageDetails": {"count": len(page), "requestCount": size, "prevPageUrl": None,
                                               "nextPageUrl": following}}, {}

    def kept(self, rows: Sequence[Any], conditions: list[Any]) -> list[Any]:
        """The rows a filter keeps, worked out once per list and filter: every page of a query asks again."""
        key = (tuple(map(id, rows)), json.dumps(conditions, sort_keys=True))
        with _LOCK:
            hit = _KEPT.get(key)
            if hit is not None:
                _KEPT.move_to_end(key)
                return hit[1]
        fields = {name.lower() for row in rows for name in row}
        test = predicate(conditions, fields) if rows else (lambda row: False)
        kept = [r for r in rows if test(r)]
        with _LOCK:
            _KEPT[key] = (list(rows), kept)  # the rows held too, so their ids cannot be reused while cached
            while len(_KEPT) > 32:
                _KEPT.popitem(last=False)
        return kept

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        request: dict[str, Any] | str = {"search": json.dumps({"filter": [{"op": "exist", "field": "id"}],
                                                               "MaxRecords": size})}
        for _ in range(MAX_PAGES):
            body = fetch(request).json()
            yield from body["items"]
            following = body["pageDetails"]["nextPageUrl"]
            if not following:
                return
            request = following
        raise AssertionError("the next pages never ended")
