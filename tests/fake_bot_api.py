"""A local stand-in for Telegram's Bot API server, for end-to-end tests of the bot.

It listens on 127.0.0.1 (a free port) in a background thread and speaks enough of the Bot API for
python-telegram-bot to run unmodified against it, through its own httpx requests:

    getMe, getUpdates (long polling over updates the test injects), sendMessage, sendChatAction,
    editMessageText, editMessageReplyMarkup, answerCallbackQuery, answerInlineQuery, setMyCommands,
    setWebhook, deleteWebhook, getFile and file downloads under /file/bot<token>/...

Users can send messages, edit them, press inline buttons and type inline queries (@bot question).

Like Telegram it refuses what Telegram refuses: a wrong token (401), unknown methods (404), message
text that is empty, longer than 4096 UTF-16 units after parsing, or not valid Telegram HTML (400,
"can't parse entities"), and an edit that changes nothing (400, "message is not modified").
Tests can also make the next calls of a method fail (flood limits, server errors).

    with FakeBotApi() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url).base_file_url(api.base_file_url)...
        api.send_text(api.user(1), "hello")
        reply = api.wait_for_message(chat_id=1)
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

DEFAULT_TOKEN = "123456789:AAF-fakeTokenForTests_x9Yq2LmN0pQrStUvW"
MAX_TEXT = 4096


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Failure:
    code: int
    description: str
    retry_after: int | None = None
    times: int = 1


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes


@dataclass
class SentMessage:
    """A message the bot sent, as it stands now (edits applied)."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict | None
    reply_to: int | None
    edits: int = 0
    payload: dict = field(default_factory=dict)
    sent_at: float = 0.0  # time.monotonic() when the server accepted it (reply latency in load tests)

    @property
    def visible(self) -> str:
        """The text a user sees (tags removed, entities decoded)."""
        return visible_text(self.text) if self.parse_mode == "HTML" else self.text

    def buttons(self) -> list[dict]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button(self, starts_with: str) -> dict:
        for b in self.buttons():
            if b.get("callback_data", "").startswith(starts_with):
                return b
        raise AssertionError(f"no button with callback data {starts_with!r} in {self.buttons()}")


# ---------------------------------------------------------------- Telegram HTML, as Telegram checks it

_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                 "pre", "blockquote", "tg-emoji"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>|&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|([<>&])")


class HtmlError(ValueError):
    pass


def parse_telegram_html(markup: str) -> str:
    """The visible text of Telegram HTML; raises HtmlError where Telegram answers "can't parse entities"."""
    out, stack, pos = [], [], 0
    for m in _HTML_TOKEN.finditer(markup):
        out.append(markup[pos:m.start()])
        pos = m.end()
        closing, name, attrs, entity, stray = m.groups()
        if stray is not None:
            raise HtmlError(f"unexpected {stray!r} at byte offset {m.start()}")
        if entity is not None:
            if entity.startswith("#x"):
                out.append(chr(int(entity[2:], 16)))
            elif entity.startswith("#"):
                out.append(chr(int(entity[1:])))
            elif entity in _NAMED_ENTITIES:
                out.append(_NAMED_ENTITIES[entity])
            else:
                raise HtmlError(f"unsupported entity &{entity};")
            continue
        name = name.lower()
        if name not in _ALLOWED_TAGS:
            raise HtmlError(f"unsupported start tag \"{name}\"")
        if closing:
            if not stack or stack[-1] != name:
                raise HtmlError(f"unmatched end tag \"{name}\"")
            stack.pop()
        else:
            if name == "a" and not re.search(r'href\s*=\s*"[^"]*"', attrs):
                raise HtmlError("<a> without href")
            stack.append(name)
    out.append(markup[pos:])
    if stack:
        raise HtmlError(f"unclosed start tag \"{stack[-1]}\"")
    return "".join(out)


def visible_text(markup: str) -> str:
    return parse_telegram_html(markup)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _entities_for(text: str) -> list[dict]:
    """bot_command and mention entities, as Telegram computes them (offsets in UTF-16 units)."""
    entities = []
    for m in re.finditer(r"(?<![\w/@])(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)|(?<![\w@])(@[A-Za-z0-9_]{3,32})", text):
        kind = "bot_command" if m.group(1) else "mention"
        entities.append({"type": kind, "offset": utf16_len(text[:m.start()]), "length": utf16_len(m.group(0))})
    return entities


# ---------------------------------------------------------------- the server

class FakeBotApi:
    def __init__(self, token: str = DEFAULT_TOKEN, bot_id: int = 7_000_001, username: str = "cds_test_bot",
                 port: int = 0) -> None:
        """port=0 picks a free port; pass an earlier server's port to bring "Telegram" back after an outage."""
        self.token = token
        self.bot = {"id": bot_id, "is_bot": True, "first_name": "CĐS Bot", "username": username,
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
        self.calls: list[ApiCall] = []
        self.sent: list[SentMessage] = []
        self.files: dict[str, StoredFile] = {}
        self.answered_callbacks: list[dict] = []
        self.inline_answers: list[dict] = []  # answerInlineQuery calls: inline_query_id, results
        self._inline_ids = itertools.count(1)
        self._updates: list[dict] = []
        self._confirmed = 0
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._incoming_ids = itertools.count(1_000)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._failures: dict[str, list[Failure]] = {}
        self._delays: dict[str, float] = {}
        self._cond = threading.Condition()
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        self.webhook: dict | None = None
        self._connections: set[socket.socket] = set()  # open client connections, cut by go_down()

    # -------------------------------------------------------- lifecycle

    def start(self) -> "FakeBotApi":
        api = self

        class Handler(_Handler):
            pass

        Handler.api = api
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-bot-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def go_down(self) -> None:
        """Telegram becomes unreachable: the port closes and open connections are cut. Pending updates,
        sent messages and id counters are kept, as Telegram keeps them during an outage."""
        self.stop()
        with self._cond:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def come_back(self) -> "FakeBotApi":
        """Serve again on the same port, with the state kept by go_down()."""
        with self._cond:
            self._closing = False
        return self.start()

    def __enter__(self) -> "FakeBotApi":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -------------------------------------------------------- what users do

    @staticmethod
    def user(user_id: int, language_code: str = "vi", first_name: str = "Người dùng") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"{first_name} {user_id}", "language_code": language_code}

    @staticmethod
    def private_chat(user: dict) -> dict:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    @staticmethod
    def group_chat(chat_id: int = -100_200_300, title: str = "Tổ chuyển đổi số") -> dict:
        return {"id": chat_id, "type": "supergroup", "title": title}

    def push_update(self, payload: dict) -> int:
        with self._cond:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **payload})
            self._cond.notify_all()
        return update_id

    def incoming_message(self, user: dict, chat: dict | None = None, **content: Any) -> dict:
        chat = chat or self.private_chat(user)
        message = {"message_id": next(self._incoming_ids), "date": int(time.time()), "chat": chat, "from": user, **content}
        if "text" in content and "entities" not in content:
            entities = _entities_for(content["text"])
            if entities:
                message["entities"] = entities
        return message

    def send_text(self, user: dict, text: str, chat: dict | None = None, reply_to: SentMessage | dict | None = None,
                  **extra: Any) -> dict:
        """A user sends `text`; returns the message (its message_id identifies the update)."""
        message = self.incoming_message(user, chat, text=text, **extra)
        if reply_to is not None:
            message["reply_to_message"] = reply_to.payload if isinstance(reply_to, SentMessage) else reply_to
        self.push_update({"message": message})
        return message

    def edit_text(self, message: dict, text: str) -> dict:
        """The user edits a message they sent (`message` as returned by send_text) to `text`."""
        edited = {k: v for k, v in message.items() if k != "entities"}
        edited.update(text=text, edit_date=int(time.time()))
        entities = _entities_for(text)
        if entities:
            edited["entities"] = entities
        self.push_update({"edited_message": edited})
        return edited

    def send_inline_query(self, user: dict, query: str) -> str:
        """The user types `@bot query` in some chat; returns the inline query id."""
        query_id = f"iq-{next(self._inline_ids)}"
        self.push_update({"inline_query": {"id": query_id, "from": user, "query": query, "offset": "",
                                           "chat_type": "sender"}})
        return query_id

    def wait_for_inline_answer(self, query_id: str, timeout: float = 20.0) -> dict:
        return self.wait_for(lambda: next((a for a in self.inline_answers if a.get("inline_query_id") == query_id), None),
                             timeout, f"the answer to inline query {query_id}")

    def send_content(self, user: dict, chat: dict | None = None, **content: Any) -> dict:
        message = self.incoming_message(user, chat, **content)
        self.push_update({"message": message})
        return message

    def send_sticker(self, user: dict, chat: dict | None = None) -> dict:
        return self.send_content(user, chat, sticker={
            "file_id": "sticker-1", "file_unique_id": "st1", "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "emoji": "😀"})

    def send_photo(self, user: dict, chat: dict | None = None, caption: str | None = None) -> dict:
        extra = {"caption": caption} if caption else {}
        return self.send_content(user, chat, photo=[{"file_id": "photo-1", "file_unique_id": "ph1", "width": 90,
                                                     "height": 90, "file_size": 1000}], **extra)

    def send_voice(self, user: dict, chat: dict | None = None) -> dict:
        return self.send_content(user, chat, voice={"file_id": "voice-1", "file_unique_id": "vo1", "duration": 3})

    def add_file(self, content: bytes, suffix: str = "") -> StoredFile:
        n = next(self._file_ids)
        stored = StoredFile(f"file-{n}", f"uniq-{n}", f"documents/file_{n}{suffix}", content)
        with self._cond:
            self.files[stored.file_id] = stored
        return stored

    def send_document(self, user: dict, content: bytes, file_name: str | None, mime_type: str = "text/plain",
                      chat: dict | None = None, declared_size: int | None = None) -> dict:
        suffix = "." + file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else ""
        stored = self.add_file(content, suffix)
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "mime_type": mime_type,
                    "file_size": declared_size if declared_size is not None else len(content)}
        if file_name is not None:
            document["file_name"] = file_name
        return self.send_content(user, chat, document=document)

    def press_button(self, user: dict, message: SentMessage, callback_data: str) -> str:
        query_id = str(next(self._callback_ids))
        self.push_update({"callback_query": {"id": query_id, "from": user, "chat_instance": "ci-1",
                                             "message": message.payload, "data": callback_data}})
        return query_id

    # -------------------------------------------------------- faults

    def fail_next(self, method: str, code: int = 500, description: str = "Internal Server Error",
                  retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` calls of `method` get this error instead of being served."""
        with self._cond:
            self._failures.setdefault(method, []).append(Failure(code, description, retry_after, times))

    def respond_slowly(self, method: str, seconds: float) -> None:
        """Calls of `method` are served (their effect visible to the test) at once, but answered to
        the bot `seconds` later, as a slow network does."""
        with self._cond:
            self._delays[method] = seconds

    # -------------------------------------------------------- observing the bot

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        with self._cond:
            return [m for m in self.sent if m.chat_id == chat_id]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
        """Wait until predicate() (evaluated under the server's lock) returns something truthy."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}; calls: "
                                         f"{[c.method for c in self.calls][-30:]}")
                self._cond.wait(min(left, 0.1))

    def wait_for_message(self, chat_id: int, count: int = 1, timeout: float = 15.0,
                         contains: str | None = None) -> SentMessage:
        """The `count`-th message sent to chat_id (or the first whose visible text contains `contains`)."""
        def found():
            messages = [m for m in self.sent if m.chat_id == chat_id]
            if contains is not None:
                return next((m for m in messages if contains in m.visible), None)
            return messages[count - 1] if len(messages) >= count else None

        return self.wait_for(found, timeout, f"message #{count} to chat {chat_id}" + (f" containing {contains!r}" if contains else ""))

    def wait_until_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the bot made no call (other than getUpdates) for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                last = max((c.at for c in self.calls if c.method != "getUpdates"), default=0.0)
                pending = any(u["update_id"] > self._confirmed for u in self._updates)
            if not pending and time.monotonic() - last >= quiet:
                return
            time.sleep(0.05)
        raise AssertionError("the bot did not go quiet")

    # -------------------------------------------------------- serving

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        with self._cond:
            call = ApiCall(method, params, time.monotonic())
            self.calls.append(call)
            self._cond.notify_all()
            failure = self._take_failure(method)
        if failure is not None:
            call.status = failure.code
            body = {"ok": False, "error_code": failure.code, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.code, body
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            call.status = 404
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        with self._cond:
            try:
                result = handler(params)
            except _BadRequest as exc:
                call.status = 400
                return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            finally:
                self._cond.notify_all()
            delay = self._delays.get(method, 0.0)
        time.sleep(delay)
        return 200, {"ok": True, "result": result}

    def _take_failure(self, method: str) -> Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 5.0)
        with self._cond:
            if offset:
                self._confirmed = max(self._confirmed, offset - 1)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._closing:
                ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
                if ready or time.monotonic() >= deadline:
                    return ready
                self._cond.wait(min(0.1, max(0.0, deadline - time.monotonic())))
        return []

    def file_content(self, path: str) -> bytes | None:
        with self._cond:
            return next((f.content for f in self.files.values() if f.file_path == path), None)

    # The methods, called under the lock.

    def _api_getMe(self, params: dict) -> dict:
        return self.bot

    def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = None
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        self.webhook = params
        return True

    def _api_setMyCommands(self, params: dict) -> bool:
        return True

    def _api_sendChatAction(self, params: dict) -> bool:
        return True

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        self.answered_callbacks.append(params)
        return True

    def _api_answerInlineQuery(self, params: dict) -> bool:
        results = params.get("results") or []
        if len(results) > 50:
            raise _BadRequest("too many inline query results")
        for result in results:
            content = result.get("input_message_content") or {}
            _check_text(str(content.get("message_text", "")), content.get("parse_mode"))
            if not result.get("title"):
                raise _BadRequest("RESULT_TITLE_EMPTY")
        self.inline_answers.append(params)
        return True

    def _api_getFile(self, params: dict) -> dict:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise _BadRequest("invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content), "file_path": stored.file_path}

    def _api_sendMessage(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        parse_mode = params.get("parse_mode")
        _check_text(text, parse_mode)
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        if reply_to is None and params.get("reply_to_message_id") is not None:
            reply_to = int(params["reply_to_message_id"])
        ids = self._message_ids.setdefault(chat_id, itertools.count(1))
        message_id = next(ids)
        payload = {"message_id": message_id, "date": int(time.time()), "from": self.bot,
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}, "text": text}
        markup = params.get("reply_markup")
        if markup:
            payload["reply_markup"] = markup
        self.sent.append(SentMessage(chat_id, message_id, text, parse_mode, markup, reply_to, payload=payload,
                                     sent_at=time.monotonic()))
        return payload

    def _find(self, params: dict) -> SentMessage:
        chat_id, message_id = int(params.get("chat_id", 0)), int(params.get("message_id", 0))
        for m in self.sent:
            if m.chat_id == chat_id and m.message_id == message_id:
                return m
        raise _BadRequest("message to edit not found")

    def _api_editMessageText(self, params: dict) -> dict:
        message = self._find(params)
        text = str(params.get("text", ""))
        parse_mode = params.get("parse_mode")
        _check_text(text, parse_mode)
        markup = params.get("reply_markup")
        if text == message.text and markup == message.reply_markup:
            raise _BadRequest("message is not modified: specified new message content and reply markup are "
                              "exactly the same as a current content and reply markup of the message")
        message.text, message.parse_mode, message.reply_markup = text, parse_mode, markup
        message.edits += 1
        message.payload = {**message.payload, "text": text, "edit_date": int(time.time())}
        if markup:
            message.payload["reply_markup"] = markup
        return message.payload

    def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._find(params)
        markup = params.get("reply_markup")
        if markup == message.reply_markup:
            raise _BadRequest("message is not modified")
        message.reply_markup = markup
        message.edits += 1
        message.payload = {**message.payload, "reply_markup": markup}
        return message.payload


class _BadRequest(Exception):
    pass


def _check_text(text: str, parse_mode: str | None) -> None:
    visible = text
    if parse_mode == "HTML":
        try:
            visible = parse_telegram_html(text)
        except HtmlError as exc:
            raise _BadRequest(f"can't parse entities: {exc}") from None
    if not visible.strip():
        raise _BadRequest("message text is empty")
    if utf16_len(visible) > MAX_TEXT:
        raise _BadRequest("message is too long")


class _Handler(BaseHTTPRequestHandler):
    api: FakeBotApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def setup(self) -> None:
        super().setup()
        with self.api._cond:
            self.api._connections.add(self.connection)

    def finish(self) -> None:
        with self.api._cond:
            self.api._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:  # the connection was cut by go_down()
            pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = unquote(self.path.split("?", 1)[0])
        file_prefix = f"/file/bot{self.api.token}/"
        if path.startswith(file_prefix):
            content = self.api.file_content(path[len(file_prefix):])
            if content is None:
                self._send(404, b"Not Found", "text/plain")
            else:
                self._send(200, content, "application/octet-stream")
            return
        m = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if not m or m.group(1) != self.api.token:
            self._json(401 if m else 404, {"ok": False, "error_code": 401 if m else 404,
                                           "description": "Unauthorized" if m else "Not Found"})
            return
        params = _parse_params(self.headers.get("Content-Type", ""), body, self.path)
        status, payload = self.api.handle(m.group(2), params)
        self._json(status, payload)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _parse_params(content_type: str, body: bytes, raw_path: str) -> dict[str, Any]:
    """Form, multipart or JSON bodies; PTB sends JSON-encoded values inside form fields."""
    fields: dict[str, Any] = {}
    if content_type.startswith("application/json") and body:
        fields = json.loads(body)
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            fields[name] = payload if part.get_filename() else payload.decode()
    else:
        query = body.decode() if body else (raw_path.split("?", 1)[1] if "?" in raw_path else "")
        fields = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    return {k: v if k in ("text", "caption") else _maybe_json(v) for k, v in fields.items()}


def _maybe_json(value: Any) -> Any:
    """Objects and arrays (reply_markup, reply_parameters, commands) arrive JSON-encoded."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# ---------------------------------------------------------------- running the real Application against it

class RunningBot:
    """Runs a python-telegram-bot Application in a background thread the way `run_polling` does
    (initialize, post_init, start polling, start; and the reverse on stop), so tests stay synchronous."""

    def __init__(self, application: Any, poll_timeout: float = 1.0) -> None:
        import asyncio

        self.application = application
        self.poll_timeout = poll_timeout
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="bot-under-test", daemon=True)

    def _run(self) -> None:
        import asyncio

        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coroutine: Any, timeout: float = 30.0) -> Any:
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self, timeout: float = 30.0) -> "RunningBot":
        self._thread.start()
        self.call(self._start(), timeout)
        return self

    async def _start(self) -> None:
        from datetime import timedelta

        from bot.telegram import ALLOWED_UPDATES

        app = self.application
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=self.poll_timeout),
                                        allowed_updates=ALLOWED_UPDATES)
        await app.start()

    async def _stop(self) -> None:
        app = self.application
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)

    def stop(self, timeout: float = 60.0) -> None:
        try:
            self.call(self._stop(), timeout)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()
