"""An in-memory DynamoDB for AWS service integrations (the DynamoDB lab) and the sample functions.

Tables live in the sandbox state (``state.tables``: table -> key -> item, items in DynamoDB's typed
JSON), so they survive between requests and serialise with the rest. The actions are the ones the
labs use: PutItem, GetItem, DeleteItem, UpdateItem (``SET a = :a, ...``), Query (``k = :v``) and Scan.
Errors come back as DynamoDB sends them: status 400 and ``{"__type": ..., "message": ...}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

#: The tables the sandbox has, by their partition key. Other names give ResourceNotFoundException.
TABLES = {"Items": "id", "Orders": "id", "Notes": "noteId", "Connections": "connectionId", "Reports": "id"}
MAX_ITEMS_PER_TABLE = 1000
MAX_ITEM_BYTES = 400 * 1024

_VALIDATION = "com.amazon.coral.validate#ValidationException"
_NOT_FOUND = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
_CONDITION = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"


class DynamoError(Exception):
    def __init__(self, type_: str, message: str) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message

    def body(self) -> dict[str, str]:
        return {"__type": self.type, "message": self.message}


def _key_value(attr: Any) -> str:
    if not isinstance(attr, Mapping) or len(attr) != 1:
        raise DynamoError(_VALIDATION, "The provided key element does not match the schema")
    return json.dumps(attr, sort_keys=True)


class Tables:
    """The sandbox's tables over a plain dict (``state.tables``)."""

    def __init__(self, data: MutableMapping[str, dict[str, Any]]) -> None:
        self.data = data

    def _table(self, name: Any) -> tuple[str, dict[str, Any]]:
        if not isinstance(name, str) or not name:
            raise DynamoError(_VALIDATION, "1 validation error detected: Value null at 'tableName' failed to satisfy "
                                           "constraint: Member must not be null")
        if name not in TABLES:
            raise DynamoError(_NOT_FOUND, "Requested resource not found")
        return TABLES[name], self.data.setdefault(name, {})

    def _key(self, table: str, key: Any) -> str:
        pk, _ = self._table(table)
        if not isinstance(key, Mapping) or pk not in key:
            raise DynamoError(_VALIDATION, "The provided key element does not match the schema")
        return _key_value(key[pk])

    # -- typed operations, as the AWS integration sends them ------------------------------------

    def put_item(self, req: Mapping[str, Any]) -> dict[str, Any]:
        pk, items = self._table(req.get("TableName"))
        item = req.get("Item")
        if not isinstance(item, Mapping) or pk not in item:
            raise DynamoError(_VALIDATION, "One or more parameter values were invalid: Missing the key "
                                           f"{pk} in the item")
        for name, value in item.items():
            if not isinstance(value, Mapping) or len(value) != 1:
                raise DynamoError(_VALIDATION, f"One or more parameter values were invalid: the attribute {name} "
                                               "is not a DynamoDB attribute value like {\"S\": \"text\"}")
        if len(json.dumps(item)) > MAX_ITEM_BYTES:
            raise DynamoError(_VALIDATION, "Item size has exceeded the maximum allowed size")
        key = _key_value(item[pk])
        if req.get("ConditionExpression") and "attribute_not_exists" in str(req["ConditionExpression"]) and key in items:
            raise DynamoError(_CONDITION, "The conditional request failed")
        if key not in items and len(items) >= MAX_ITEMS_PER_TABLE:
            raise DynamoError(_VALIDATION, f"the sandbox keeps at most {MAX_ITEMS_PER_TABLE} items per table")
        items[key] = dict(item)
        return {}

    def get_item(self, req: Mapping[str, Any]) -> dict[str, Any]:
        _, items = self._table(req.get("TableName"))
        key = self._key(req["TableName"], req.get("Key"))
        return {"Item": items[key]} if key in items else {}

    def delete_item(self, req: Mapping[str, Any]) -> dict[str, Any]:
        _, items = self._table(req.get("TableName"))
        items.pop(self._key(req["TableName"], req.get("Key")), None)
        return {}

    def update_item(self, req: Mapping[str, Any]) -> dict[str, Any]:
        pk, items = self._table(req.get("TableName"))
        key = self._key(req["TableName"], req.get("Key"))
        expr = str(req.get("UpdateExpression") or "")
        values = req.get("ExpressionAttributeValues") or {}
        names = req.get("ExpressionAttributeNames") or {}
        m = re.fullmatch(r"\s*SET\s+(.+)", expr, re.I | re.S)
        if not m:
            raise DynamoError(_VALIDATION, "the sandbox understands UpdateExpression 'SET a = :a, ...' only")
        item = dict(items.get(key) or {pk: req["Key"][pk]})
        for part in m.group(1).split(","):
            left, _, right = part.partition("=")
            name, placeholder = names.get(left.strip(), left.strip()), right.strip()
            if placeholder not in values:
                raise DynamoError(_VALIDATION, f"An expression attribute value used in expression is not defined: "
                                               f"{placeholder}")
            item[name] = values[placeholder]
        items[key] = item
        return {"Attributes": item} if str(req.get("ReturnValues", "")).upper() == "ALL_NEW" else {}

    def query(self, req: Mapping[str, Any]) -> dict[str, Any]:
        pk, items = self._table(req.get("TableName"))
        expr = str(req.get("KeyConditionExpression") or "")
        names = req.get("ExpressionAttributeNames") or {}
        values = req.get("ExpressionAttributeValues") or {}
        m = re.fullmatch(r"\s*([#\w]+)\s*=\s*(:\w+)\s*", expr)
        if not m:
            raise DynamoError(_VALIDATION, "the sandbox understands KeyConditionExpression 'key = :value' only")
        name = names.get(m.group(1), m.group(1))
        if name != pk or m.group(2) not in values:
            raise DynamoError(_VALIDATION, "Query condition missed key schema element: " + pk)
        found = [v for k, v in items.items() if k == _key_value(values[m.group(2)])]
        return {"Items": found, "Count": len(found), "ScannedCount": len(found)}

    def scan(self, req: Mapping[str, Any]) -> dict[str, Any]:
        _, items = self._table(req.get("TableName"))
        limit = req.get("Limit")
        found = list(items.values())[: int(limit)] if isinstance(limit, int) and limit > 0 else list(items.values())
        return {"Items": found, "Count": len(found), "ScannedCount": len(found)}

    ACTIONS = {"PutItem": put_item, "GetItem": get_item, "DeleteItem": delete_item, "UpdateItem": update_item,
               "Query": query, "Scan": scan}

    def execute(self, action: str, body: str) -> tuple[int, dict[str, Any]]:
        """Run an action from an integration request body: (HTTP status, response JSON)."""
        fn = self.ACTIONS.get(action)
        if fn is None:
            return 400, {"__type": "com.amazon.coral.service#UnknownOperationException",
                         "message": f"the sandbox's DynamoDB has no {action} (it has {', '.join(self.ACTIONS)})"}
        try:
            req = json.loads(body) if body.strip() else {}
        except ValueError:
            return 400, {"__type": "com.amazon.coral.service#SerializationException",
                         "message": "Start of structure or map found where not expected"}
        if not isinstance(req, Mapping):
            return 400, {"__type": "com.amazon.coral.service#SerializationException",
                         "message": "the request body is not a JSON object"}
        try:
            return 200, fn(self, req)
        except DynamoError as exc:
            return 400, exc.body()
        except (KeyError, TypeError) as exc:
            return 400, {"__type": _VALIDATION, "message": f"the request is missing or mistypes {exc}"}

    # -- plain helpers for the sample functions ---------------------------------------------------

    def put(self, table: str, item: Mapping[str, Any]) -> None:
        self.put_item({"TableName": table, "Item": {k: to_attr(v) for k, v in item.items()}})

    def get(self, table: str, key: Any) -> dict[str, Any] | None:
        pk = TABLES[table]
        found = self.get_item({"TableName": table, "Key": {pk: to_attr(key)}}).get("Item")
        return from_item(found) if found else None

    def delete(self, table: str, key: Any) -> None:
        self.delete_item({"TableName": table, "Key": {TABLES[table]: to_attr(key)}})

    def all(self, table: str) -> list[dict[str, Any]]:
        return [from_item(i) for i in self.scan({"TableName": table})["Items"]]


def to_attr(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, Mapping):
        return {"M": {k: to_attr(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [to_attr(v) for v in value]}
    return {"S": str(value)}


def from_attr(attr: Mapping[str, Any]) -> Any:
    (kind, value), = attr.items()
    if kind == "N":
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == "M":
        return {k: from_attr(v) for k, v in value.items()}
    if kind == "L":
        return [from_attr(v) for v in value]
    if kind == "NULL":
        return None
    return value


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: from_attr(v) for k, v in item.items()}
