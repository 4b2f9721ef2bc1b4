"""Local fakes of SendGrid, Twilio and PagerDuty that speak their APIs over HTTP.

Each fake is an ``http.server`` on 127.0.0.1 (an ephemeral port) in a daemon
thread. It checks what the real API checks and the providers'
published OpenAPI specs require — path, auth header, content type,
required fields — records every request, counts accepted deliveries, and can
be told to misbehave for the next requests: answer a status (500, 429 with
``Retry-After``, 400), answer late (client timeouts), or accept the message
and drop the connection (a lost answer).

Use as context managers::

    with FakeSendGridServer() as sg:
        SendGridEmailChannel(SecretStr(sg.api_key), "from@example.test", host=sg.url)

Importable by other test folders (``from tests.notifications.fakes import ...``).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

__all__ = [
    "FakePagerDutyServer",
    "FakeSendGridServer",
    "FakeTwilioServer",
    "RecordedRequest",
    "SENDGRID_REQUIRED_FIELDS",
    "TWILIO_REQUIRED_FIELDS",
]

# Mirrors the contracts: sendgrid_v3_mail_send.json and twilio_api_v2010_messages.json.
SENDGRID_REQUIRED_FIELDS = ("personalizations", "from", "subject", "content")
TWILIO_REQUIRED_FIELDS = ("To",)
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


@dataclass
class RecordedRequest:
    """One request as the fake saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None
    reply_headers: dict[str, str] = field(default_factory=dict)
    reply_body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)


@dataclass
class _Fault:
    status: int | None = None
    retry_after: str | None = None
    body: dict[str, Any] | None = None
    delay: float = 0.0
    drop_after_accept: bool = False


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class _FakeServer:
    """The common part: a threaded server, a request log and fault injection."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.accepted: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------
    def start(self) -> _FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass  # keep test output (and the bodies in it) quiet

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (once per test) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- fault injection --------------------------------------------------
    def fail_next(
        self, status: int, *, times: int = 1, retry_after: str | int | None = None, body: dict[str, Any] | None = None
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (and an optional Retry-After)."""
        fault = _Fault(status=status, retry_after=None if retry_after is None else str(retry_after), body=body)
        with self._lock:
            self._faults.extend([fault] * times)

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Process the next requests normally but answer after ``seconds`` (for client timeouts)."""
        with self._lock:
            self._faults.extend([_Fault(delay=seconds)] * times)

    def drop_next(self, *, times: int = 1) -> None:
        """Accept the next messages, then close the connection without answering."""
        with self._lock:
            self._faults.extend([_Fault(drop_after_accept=True)] * times)

    @property
    def deliveries(self) -> int:
        """How many messages the fake accepted (including ones whose answer it dropped)."""
        with self._lock:
            return len(self.accepted)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.accepted.clear()
            self._faults.clear()

    # -- request handling -------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        recorded = RecordedRequest(
            method=handler.command,
            path=handler.path,
            headers={k: v for k, v in handler.headers.items()},
            body=handler.rfile.read(length),
        )
        with self._lock:
            self.requests.append(recorded)
            if recorded.method == "GET" and (answer := self._query(recorded)) is not None:
                fault = None
            else:
                answer = None
                fault = self._faults.pop(0) if self._faults else None
        if answer is not None:
            reply = answer
        elif fault is not None and fault.status is not None:
            reply = self._error(fault.status, fault.body)
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = fault.retry_after
        else:
            reply = self._validate(recorded)
            if reply is None:
                reply = self._accept(recorded)
                with self._lock:
                    self.accepted.append(recorded)
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            if fault is not None and fault.drop_after_accept:
                recorded.status, recorded.reply_body = reply.status, reply.body
                recorded.reply_headers = {**recorded.reply_headers, **reply.headers}
                handler.close_connection = True
                handler.connection.close()
                return
        recorded.status = reply.status
        recorded.reply_headers = {**recorded.reply_headers, **reply.headers}
        recorded.reply_body = reply.body
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (a timeout test)

    def _validate(self, request: RecordedRequest) -> _Reply | None:
        raise NotImplementedError

    def _query(self, request: RecordedRequest) -> _Reply | None:
        """A GET the fake answers from what it accepted (a provider's lookup API); None: not one of those."""
        return None

    def _accept(self, request: RecordedRequest) -> _Reply:
        raise NotImplementedError

    def _error(self, status: int, body: dict[str, Any] | None = None) -> _Reply:
        raise NotImplementedError


def _json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


class FakeSendGridServer(_FakeServer):
    """``POST /v3/mail/send`` with Bearer auth; 202 and ``X-Message-Id`` on success."""

    def __init__(self, api_key: str = "SG.fake-key", *, activity_enabled: bool = True) -> None:
        super().__init__()
        self.api_key = api_key
        self.activity_enabled = activity_enabled

    def _error(self, status: int, body: dict[str, Any] | None = None) -> _Reply:
        return _json_reply(status, body or {"errors": [{"message": f"fake error {status}", "field": None}]})

    def _validate(self, request: RecordedRequest) -> _Reply | None:
        if request.method != "POST" or request.path != "/v3/mail/send":
            return self._error(404, {"errors": [{"message": "not found"}]})
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(401, {"errors": [{"message": "authorization required", "field": None}]})
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return self._error(415, {"errors": [{"message": "content type must be application/json"}]})
        try:
            mail = request.json()
        except ValueError:
            return self._error(400, {"errors": [{"message": "invalid JSON", "field": None}]})
        problems = _sendgrid_problems(mail)
        if problems:
            return self._error(400, {"errors": [{"message": msg, "field": fld} for fld, msg in problems]})
        return None

    def _accept(self, request: RecordedRequest) -> _Reply:
        message_id = uuid.uuid4().hex[:22]
        request.reply_headers["X-Message-Id"] = message_id
        return _Reply(202, b"", {"X-Message-Id": message_id})

    def _query(self, request: RecordedRequest) -> _Reply | None:
        """The Email Activity API (``GET /v3/messages?query=unique_args['k']="v"``), when it is enabled."""
        from urllib.parse import urlsplit

        url = urlsplit(request.path)
        if url.path != "/v3/messages":
            return None
        if not self.activity_enabled:
            return self._error(403, {"errors": [{"message": "access forbidden"}]})
        query = parse_qs(url.query).get("query", [""])[0]
        match = re.fullmatch(r"unique_args\['(\w+)'\]=\"([^\"]*)\"", query)
        if match is None:
            return self._error(400, {"errors": [{"message": "invalid query"}]})
        name, value = match.groups()
        hits = [{"msg_id": r.reply_headers.get("X-Message-Id", ""), "status": "delivered",
                 "to_email": r.json()["personalizations"][0]["to"][0]["email"]}
                for r in self.accepted if r.json().get("custom_args", {}).get(name) == value]
        return _json_reply(200, {"messages": hits})


def _sendgrid_problems(mail: Any) -> list[tuple[str, str]]:
    if not isinstance(mail, dict):
        return [("", "body must be an object")]
    problems = [(name, "required") for name in SENDGRID_REQUIRED_FIELDS if name not in mail]
    personalizations = mail.get("personalizations") or []
    if not personalizations:
        problems.append(("personalizations", "at least one personalization is required"))
    for i, pers in enumerate(personalizations):
        recipients = pers.get("to") or []
        if not recipients:
            problems.append((f"personalizations.{i}.to", "required"))
        for j, recipient in enumerate(recipients):
            if "@" not in str(recipient.get("email", "")):
                problems.append((f"personalizations.{i}.to.{j}.email", "does not contain a valid address"))
    if "@" not in str((mail.get("from") or {}).get("email", "")):
        problems.append(("from.email", "does not contain a valid address"))
    contents = mail.get("content") or []
    if not contents:
        problems.append(("content", "at least one content item is required"))
    for i, content in enumerate(contents):
        if not content.get("type") or not content.get("value"):
            problems.append((f"content.{i}", "type and value are required"))
    if contents and contents[0].get("type") != "text/plain" and any(c.get("type") == "text/plain" for c in contents):
        problems.append(("content.0.type", "text/plain must come first"))
    custom_args = mail.get("custom_args", {})
    if not isinstance(custom_args, dict) or not all(isinstance(v, str) for v in custom_args.values()):
        problems.append(("custom_args", "values must be strings"))
    return problems


class FakeTwilioServer(_FakeServer):
    """``POST /2010-04-01/Accounts/{sid}/Messages.json``, form-encoded, Basic auth; 201 with the message."""

    def __init__(self, account_sid: str = "AC" + "0" * 31 + "1", auth_token: str = "fake-token") -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token

    def _error(self, status: int, body: dict[str, Any] | None = None) -> _Reply:
        codes = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
        code = codes.get(status, 20500)
        return _json_reply(
            status,
            body
            or {
                "code": code,
                "message": f"fake error {status}",
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def _validate(self, request: RecordedRequest) -> _Reply | None:
        match = _TWILIO_PATH.match(request.path)
        if request.method != "POST" or match is None:
            return self._error(404)
        if not _ACCOUNT_SID.match(match["sid"]) or match["sid"] != self.account_sid:
            return self._error(404)
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return self._error(401)
        if not request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self._error(400, {"code": 20001, "message": "form encoding required", "status": 400})
        form = request.form()
        missing = [name for name in TWILIO_REQUIRED_FIELDS if not form.get(name)]
        if missing:
            return self._error(400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400})
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return self._error(400, {"code": 21603, "message": "A 'From' phone number is required.", "status": 400})
        # The spec does not require Body, the real API does (or media, or a content template).
        if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
            return self._error(400, {"code": 21602, "message": "Message body is required.", "status": 400})
        to = form["To"][0]
        if not re.fullmatch(r"\+[1-9]\d{6,14}", to):
            # Like the real API, this message quotes the number: channels must not pass it on.
            return self._error(400, {"code": 21211, "message": f"The 'To' number {to} is not valid.", "status": 400})
        return None

    def _query(self, request: RecordedRequest) -> _Reply | None:
        """``GET .../Messages.json?To=...``: the messages accepted for a number, newest first."""
        from urllib.parse import urlsplit

        url = urlsplit(request.path)
        if _TWILIO_PATH.match(url.path) is None:
            return None
        to = parse_qs(url.query).get("To", [None])[0]
        found = [json.loads(r.reply_body) for r in reversed(self.accepted)
                 if to is None or r.form().get("To", [None])[0] == to]
        return _json_reply(200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50,
                                 "uri": url.path, "first_page_uri": url.path, "previous_page_uri": None,
                                 "end": max(len(found) - 1, 0), "start": 0})

    def _accept(self, request: RecordedRequest) -> _Reply:
        form = request.form()
        sid = "SM" + uuid.uuid4().hex
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        return _json_reply(
            201,
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": form.get("Body", [""])[0],
                "to": form["To"][0],
                "from": form.get("From", [None])[0],
                "status": "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "num_media": "0",
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "error_code": None,
                "error_message": None,
                "messaging_service_sid": None,
                "price": None,
                "price_unit": "USD",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
                "subresource_uris": {},
            },
        )


class FakePagerDutyServer(_FakeServer):
    """``POST /v2/enqueue`` (Events API v2); 202 with ``dedup_key``, folding repeats of a key."""

    def __init__(self, routing_key: str = "R" * 32) -> None:
        super().__init__()
        self.routing_key = routing_key
        self.alerts: dict[str, int] = {}  # dedup_key -> events received for it

    @property
    def enqueue_url(self) -> str:
        return f"{self.url}/v2/enqueue"

    def _error(self, status: int, body: dict[str, Any] | None = None) -> _Reply:
        words = {400: "invalid event", 429: "throttle event"}
        return _json_reply(status, body or {"status": words.get(status, "error"), "message": f"fake error {status}"})

    def _validate(self, request: RecordedRequest) -> _Reply | None:
        if request.method != "POST" or request.path != "/v2/enqueue":
            return self._error(404)
        try:
            event = request.json()
        except ValueError:
            return self._error(400)
        errors = []
        if event.get("routing_key") != self.routing_key:
            errors.append("routing_key is invalid")
        if event.get("event_action") not in {"trigger", "acknowledge", "resolve"}:
            errors.append("event_action is invalid")
        payload = event.get("payload") or {}
        if event.get("event_action") == "trigger":
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    errors.append(f"payload.{name} is missing")
            if payload.get("severity") not in {"critical", "error", "warning", "info"}:
                errors.append("payload.severity is invalid")
        if errors:
            return self._error(400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors})
        return None

    def _accept(self, request: RecordedRequest) -> _Reply:
        dedup_key = request.json().get("dedup_key") or uuid.uuid4().hex
        with self._lock:
            self.alerts[dedup_key] = self.alerts.get(dedup_key, 0) + 1
        return _json_reply(202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key})
