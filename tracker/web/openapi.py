"""The OpenAPI 3 document for /api/v1, kept next to the API and checked against it by tests."""
from ..domain.hours import Category, Status

_ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": ["string", "integer"]}, "message": {"type": "string"},
    "fields": {"type": "object", "additionalProperties": {
        "type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}

_DATE = {"type": ["string", "null"], "format": "date"}

_SUMMARY = {"type": "object", "required": ["requirements", "next_step", "risk", "fulfilled"], "properties": {
    "termijn": {"type": ["object", "null"], "properties": {
        "start": _DATE, "end": _DATE, "last_day": _DATE, "days_left": {"type": "integer"},
        "overdue": {"type": "boolean"}, "extended": {"type": "boolean"}}},
    "pip_deadline": _DATE,
    "requirements": {"type": "array", "items": {"type": "object", "properties": {
        "key": {"type": "string"}, "kind": {"type": "string", "enum": ["hours", "milestone", "exam"]},
        "done": {"type": "boolean"}, "confirmed": {"type": "number"}, "pending": {"type": "number"},
        "target": {"type": "number"}, "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "projected_on": _DATE, "attempts_left": {"type": ["integer", "null"]}}}},
    "next_step": {"type": "object", "properties": {
        "code": {"type": "string"}, "due": _DATE, "part": {"type": ["string", "null"]}}},
    "risk": {"type": "object", "properties": {
        "level": {"type": "string", "enum": ["ok", "attention", "high"]},
        "reasons": {"type": "array", "items": {"type": "string"}}}},
    "fulfilled": {"type": "boolean"}}}

_ENTRY = {"type": "object", "required": ["id", "client_uuid", "category", "date", "hours", "status"], "properties": {
    "id": {"type": "string", "format": "uuid"}, "client_uuid": {"type": "string", "format": "uuid"},
    "category": {"type": "string", "enum": [c.value for c in Category]}, "date": {"type": "string", "format": "date"},
    "hours": {"type": "number"}, "online": {"type": "boolean"}, "place": {"type": ["string", "null"]},
    "note": {"type": ["string", "null"]}, "status": {"type": "string", "enum": [s.value for s in Status]},
    "rejection_reason": {"type": ["string", "null"]}, "client": {"type": "string", "format": "uuid"}}}

_NEW_ENTRY = {"type": "object", "required": ["client_uuid", "category", "date", "hours"], "properties": {
    "client_uuid": {"type": "string", "format": "uuid",
                    "description": "Made on the phone when the entry is created; a replay returns the saved entry."},
    "category": {"type": "string", "enum": [c.value for c in Category]},
    "date": {"type": "string", "format": "date"},
    "hours": {"type": "number", "minimum": 0.25, "maximum": 12, "multipleOf": 0.25},
    "place": {"type": "string", "maxLength": 200}, "note": {"type": "string", "maxLength": 1000},
    "online": {"type": "boolean"}}}

_PIP = {"type": "object", "properties": {
    "version": {"type": "integer"}, "dagtekening": {"type": "string", "format": "date"},
    "leerroute": {"type": "string", "enum": ["B", "O", "Z"]}, "niveau": {"type": ["string", "null"]},
    "local_label": {"type": ["string", "null"]}, "change_reason": {"type": "string"},
    "geschatte_intensiteit_b1": {"type": ["integer", "null"]},
    "agreements": {"type": "array", "items": {"type": "string"}}}}

_NEW_PIP = {"type": "object", "required": ["dagtekening", "leerroute"], "properties": {
    "dagtekening": {"type": "string", "format": "date"}, "leerroute": {"type": "string", "enum": ["B", "O", "Z"]},
    "niveau": {"type": ["string", "null"], "enum": ["A2", "B1", "B2", None]},
    "change_reason": {"type": "string", "enum": ["INITIEEL", "SCHAKELEN", "AFSCHALEN", "VERHUIZING", "BEZWAAR",
                                                 "OVERIG"]},
    "local_label": {"type": "string", "maxLength": 80},
    "geschatte_intensiteit_b1": {"type": ["integer", "null"], "minimum": 0, "maximum": 5000},
    "agreements": {"type": "array", "items": {"type": "string", "maxLength": 500}, "maxItems": 30}}}

_CLIENT = {"type": "object", "properties": {
    "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "language": {"type": "string"},
    "contactpersoon": {"type": "boolean"}, "pending_entries": {"type": "integer"},
    "summary": {"$ref": "#/components/schemas/Summary"},
    "pip": {"type": "array", "items": {"$ref": "#/components/schemas/Pip"}}}}


def _status(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}}}}


def _json(schema_ref: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def _list(key: str, item_ref: str) -> dict:
    return {"description": "OK", "content": {"application/json": {"schema": {
        "type": "object", "properties": {key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item_ref}"}}}}}}}


_ERRORS = {"401": _json("Error", "Not logged in"), "403": _json("Error", "Not allowed for this role")}
_ID = [{"name": "client_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
_ENTRY_ID = [{"name": "entry_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
_CSRF = [{"name": "X-CSRFToken", "in": "header", "required": True, "schema": {"type": "string"},
          "description": "From GET /api/v1/csrf-token; valid for the whole session."}]


def document() -> dict:
    """The OpenAPI document as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mijn Route API", "version": "1.0.0",
                 "description": "Session-cookie API for the Mijn Route app. State-changing calls need X-CSRFToken."},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "schemas": {"Error": _ERROR, "Summary": _SUMMARY, "Entry": _ENTRY, "NewEntry": _NEW_ENTRY, "Pip": _PIP,
                        "NewPip": _NEW_PIP, "Client": _CLIENT,
                        "PushSubscription": {"type": "object", "required": ["endpoint", "keys"], "properties": {
                            "endpoint": {"type": "string", "format": "uri", "maxLength": 2000},
                            "keys": {"type": "object", "required": ["p256dh", "auth"], "properties": {
                                "p256dh": {"type": "string", "maxLength": 200},
                                "auth": {"type": "string", "maxLength": 100}}},
                            "label": {"type": "string", "maxLength": 200}}},
                        "Appointment": {"type": "object", "properties": {
                            "id": {"type": "string", "format": "uuid"}, "kind": {"type": "string"},
                            "starts_at": {"type": "string", "format": "date-time"},
                            "location": {"type": ["string", "null"]}, "with_whom": {"type": ["string", "null"]},
                            "notes": {"type": ["string", "null"]}}}},
        },
        "security": [{"session": []}],
        "paths": {
            "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [],
                                             "responses": {"200": {"description": "OK"}}}},
            "/api/v1/csrf-token": {"get": {"summary": "CSRF token for this session", "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"csrf_token": {"type": "string"}}}}}}, **_ERRORS}}},
            "/api/v1/me/progress": {"get": {"summary": "Own progress (statushouder)",
                                            "responses": {"200": _json("Summary"), **_ERRORS}}},
            "/api/v1/me/entries": {
                "get": {"summary": "Own entries (statushouder)", "responses": {"200": _list("entries", "Entry"), **_ERRORS}},
                "post": {"summary": "Log hours; idempotent on client_uuid", "parameters": _CSRF,
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/NewEntry"}}}},
                         "responses": {"201": _json("Entry", "Created"), "200": _json("Entry", "Already saved"),
                                       "400": _json("Error", "Missing CSRF token"),
                                       "422": _json("Error", "Invalid input"), **_ERRORS}}},
            "/api/v1/me/appointments": {"get": {"summary": "Own coming appointments", "responses": {
                "200": _list("appointments", "Appointment"), **_ERRORS}}},
            "/api/v1/clients": {"get": {"summary": "Own clients (contactpersoon)", "responses": {
                "200": _list("clients", "Client"), **_ERRORS}}},
            "/api/v1/clients/{client_id}": {"get": {"summary": "One client of the gemeente", "parameters": _ID,
                                                    "responses": {"200": _json("Client"), "404": _json("Error"),
                                                                  **_ERRORS}}},
            "/api/v1/clients/{client_id}/pip": {"post": {
                "summary": "Adopt a new PIP version", "parameters": _ID + _CSRF,
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/NewPip"}}}},
                "responses": {"201": _json("Pip", "Created"), "400": _json("Error"), "404": _json("Error"),
                              "422": _json("Error"), **_ERRORS}}},
            "/api/v1/push/key": {"get": {"summary": "VAPID public key for subscribing", "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"public_key": {"type": "string"}}}}}},
                "404": _json("Error", "Push is not configured"), **_ERRORS}}},
            "/api/v1/push/subscriptions": {"post": {
                "summary": "Save this device's push subscription (idempotent on endpoint)", "parameters": _CSRF,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/PushSubscription"}}}},
                "responses": {"201": _status("Subscribed"), "200": _status("Updated"), "400": _json("Error"),
                              "422": _json("Error"), **_ERRORS}}},
            "/api/v1/push/subscriptions/remove": {"post": {
                "summary": "Forget this device's push subscription", "parameters": _CSRF,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["endpoint"], "properties": {"endpoint": {"type": "string"}}}}}},
                "responses": {"200": _status("Removed or unknown"), "400": _json("Error"), "422": _json("Error"),
                              **_ERRORS}}},
            "/api/v1/entries/pending": {"get": {"summary": "Entries waiting for a check", "responses": {
                "200": _list("entries", "Entry"), **_ERRORS}}},
            "/api/v1/entries/{entry_id}/confirm": {"post": {
                "summary": "Confirm an entry", "parameters": _ENTRY_ID + _CSRF,
                "responses": {"200": _json("Entry"), "400": _json("Error"), "404": _json("Error"),
                              "409": _json("Error", "Already decided"), **_ERRORS}}},
            "/api/v1/entries/{entry_id}/reject": {"post": {
                "summary": "Reject an entry with a reason", "parameters": _ENTRY_ID + _CSRF,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"],
                    "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}}}}}},
                "responses": {"200": _json("Entry"), "400": _json("Error"), "404": _json("Error"),
                              "409": _json("Error"), "422": _json("Error"), **_ERRORS}}},
        },
    }
