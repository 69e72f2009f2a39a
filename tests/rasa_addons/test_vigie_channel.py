"""Vigie's Rasa channel (rasa_addons/vigie_channel.py), in the Rasa environment.

The channel's ``_handle`` restates ``Agent.handle_message`` of Rasa 3.6.21 and reads the
agent Rasa keeps in ``app.ctx.agent``: if those parts of Rasa change, the fingerprint tests
fail and say what to re-read. The other tests run the real ``rasa run`` with the trained
model and both Vigie's channel and Rasa's REST channel: Vigie's channel must answer and
store the conversation exactly as Rasa's own ``Agent.handle_message`` does (through the REST
channel), plus the NLU summary, read from the stored tracker.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.auxil.toggle_proxy import free_port

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "vigie.tar.gz"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
ENV = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONPATH": str(ROOT),
    "LOG_LEVEL": "INFO",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}
MAX_TEXT_CHARS = 4096  # rasa_addons.vigie_channel.MAX_TEXT_CHARS

# What tests/rasa_addons/rasa_parts.py finds in Rasa 3.6.21. A function restated or relied
# on by the channel is fingerprinted by its syntax tree, a method it only calls by its
# signature. Update a value only after re-reading the Rasa code and the channel's _handle.
EXPECTED = {
    "rasa.core.agent.Agent.handle_message": (
        "18ad80dd24b0285a5cbd03b6d1138c059b662aca6ed645f6bba27cb9897cd150"
    ),
    "rasa.core.agent.Agent.is_ready": (
        "a83fa9704ae214cff5732fc427d850ae5c69b88b713c2a1bf87dc1b5fa736eca"
    ),
    "rasa.core.processor.MessageProcessor.handle_message": (
        "fa84d7f4fe3eebf862bd32f4228df10d23aed75961f06f55a8268f85de428809"
    ),
    "rasa.core.run.load_agent_on_start": (
        "41bf8751bb12ae264f00cb243b97cf7c68af918d07714d63ec4f96d738fd5d1d"
    ),
    "rasa.core.processor.MessageProcessor._send_bot_messages": (
        "bb2fec7ece8cb97ed0a45e76a34bc16d5def0ee279fb7a9e3eba3e6472debc7d"
    ),
    "rasa.core.lock_store.LockStore.lock": (
        "(self, conversation_id: 'Text', lock_lifetime: 'float' = 60, "
        "wait_time_in_seconds: 'float' = 1) -> 'AsyncGenerator[TicketLock, None]'"
    ),
    "rasa.core.processor.MessageProcessor.log_message": (
        "(self, message: rasa.core.channels.channel.UserMessage, "
        "should_save_tracker: bool = True) -> rasa.shared.core.trackers.DialogueStateTracker"
    ),
    "rasa.core.processor.MessageProcessor.run_action_extract_slots": (
        "(self, output_channel: rasa.core.channels.channel.OutputChannel, "
        "tracker: rasa.shared.core.trackers.DialogueStateTracker) "
        "-> rasa.shared.core.trackers.DialogueStateTracker"
    ),
    "rasa.core.processor.MessageProcessor._run_prediction_loop": (
        "(self, output_channel: rasa.core.channels.channel.OutputChannel, "
        "tracker: rasa.shared.core.trackers.DialogueStateTracker) -> None"
    ),
    "rasa.core.processor.MessageProcessor.run_anonymization_pipeline": (
        "(self, tracker: rasa.shared.core.trackers.DialogueStateTracker) -> None"
    ),
    "rasa.core.processor.MessageProcessor.save_tracker": (
        "(self, tracker: rasa.shared.core.trackers.DialogueStateTracker) -> None"
    ),
    # Replaced by rasa_addons/action_validation.py (the check of the action server's answers).
    "rasa.core.actions.action.RemoteAction._validate_action_result": (
        "2adb9066d6e881c88294466adc12578bca6d6e88dba68f9adc38a46d61d444ac"
    ),
    "rasa.core.actions.action.RemoteAction.action_response_format_spec": (
        "1d269f1ed6242075887ba11173c02aa37fcc347b374fed209fcf3404d89492d3"
    ),
}

CONVERSATION = [
    "bonjour",
    "c quoi un bon mot de passe",
    "merci beaucoup",
    "je crois que j'ai cliqué sur un lien bizarre dans un mail",
]

pytestmark = pytest.mark.rasa


# --- The parts of Rasa the channel restates or relies on -------------------------------


@pytest.fixture(scope="module")
def rasa_parts() -> dict[str, Any]:
    """What tests/rasa_addons/rasa_parts.py reports from the Rasa environment."""
    result = subprocess.run(
        [str(RASA_PY), str(ROOT / "tests" / "rasa_addons" / "rasa_parts.py")],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_every_inspected_part_has_an_expected_fingerprint(rasa_parts: dict[str, Any]) -> None:
    assert sorted(rasa_parts["parts"]) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rasa_part_is_unchanged(rasa_parts: dict[str, Any], name: str) -> None:
    part = rasa_parts["parts"][name]
    if part["fingerprint"] != EXPECTED[name]:
        pytest.fail(
            f"{name} is not what rasa_addons/vigie_channel.py was written against (Rasa "
            f"3.6.21; installed: Rasa {rasa_parts['rasa_version']}). The channel restates "
            f"Agent.handle_message in _handle and reads app.ctx.agent: re-read this code, "
            f"adapt the channel, then update EXPECTED in {Path(__file__).relative_to(ROOT)}.\n"
            f"expected: {EXPECTED[name]}\nfound:    {part['fingerprint']}\n"
            f"current source:\n{part['source']}",
            pytrace=False,
        )


# Rasa's own check and the one action_validation installs, on answers of the action server
# (valid ones, and ones Rasa refuses): the same outcome and the same message.
VALIDATION_CHECK = """
import json
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa_addons import action_validation

answers = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "s", "value": 1}], "responses": [{"text": "x"}]},
    {"events": [{"event": "bot", "text": "x"}, {"event": "followup", "name": "a"}]},
    {},
    {"events": "not a list"},
    {"events": [{"event": "no such event"}]},
    {"events": [{"event": "slot"}]},
    {"responses": [1]},
]

def outcomes():
    action = RemoteAction("action_check", None)
    found = []
    for answer in answers:
        try:
            found.append(action._validate_action_result(answer))
        except ValidationError as error:
            found.append(error.message)
    return found

before = outcomes()
original = RemoteAction._validate_action_result
action_validation.install()
action_validation.install()
print(json.dumps({"replaced": RemoteAction._validate_action_result is not original,
                  "before": before, "after": outcomes()}))
"""


def test_installed_action_validation_decides_as_rasa_does() -> None:
    result = subprocess.run(
        [str(RASA_PY), "-c", VALIDATION_CHECK],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replaced"]
    assert report["after"] == report["before"]
    assert report["before"][:3] == [True, True, True]
    assert all(isinstance(outcome, str) for outcome in report["before"][4:])


# --- The channel in the real Rasa server --------------------------------------------------


def _request(
    url: str, body: bytes | None = None, content_type: str = "application/json"
) -> tuple[int, Any]:
    """(status, decoded JSON answer) of a GET, or of a POST when ``body`` is given."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _post(url: str, payload: object) -> tuple[int, Any]:
    return _request(url, json.dumps(payload).encode())


class RasaServer:
    """``rasa run`` with the trained model, Vigie's channel, the REST channel and the API."""

    def __init__(self, port: int, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        self.vigie = f"{self.base}/webhooks/vigie/webhook"
        self.rest = f"{self.base}/webhooks/rest/webhook"

    def tracker(self, sender: str) -> dict[str, Any]:
        status, tracker = _request(f"{self.base}/conversations/{sender}/tracker")
        assert status == 200, tracker
        return dict(tracker)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaServer]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    folder = tmp_path_factory.mktemp("rasa")
    credentials = folder / "credentials.yml"
    credentials.write_text("rasa_addons.vigie_channel.VigieInput:\nrest:\n", encoding="utf-8")
    endpoints = folder / "endpoints.yml"  # no action server: custom actions fail, alike
    endpoints.write_text("{}\n", encoding="utf-8")
    port = free_port()
    log = folder / "rasa.log"
    argv = [
        str(RASA), "run", "--model", str(MODEL), "--interface", "127.0.0.1",
        "--port", str(port), "--credentials", str(credentials),
        "--endpoints", str(endpoints), "--enable-api",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=ENV, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    rasa = RasaServer(port, log)
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(f"rasa run exited:\n{log.read_text()[-3000:]}")
            try:
                if _request(f"{rasa.base}/webhooks/vigie/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"rasa run not up after 240 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield rasa
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _comparable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events without what differs between two channels and two runs."""
    different = {"timestamp", "message_id", "input_channel", "metadata"}
    comparable = []
    for event in events:
        if event["event"] == "user":  # the metadata sent differs: checked apart
            event = {k: v for k, v in event.items() if k not in different}
        else:
            event = {k: v for k, v in event.items() if k != "timestamp"}
        if "parse_data" in event:
            event["parse_data"] = {
                k: v for k, v in event["parse_data"].items() if k not in different
            }
        comparable.append(event)
    return comparable


def test_health(server: RasaServer) -> None:
    assert _request(f"{server.base}/webhooks/vigie/") == (200, {"status": "ok"})


def test_same_conversation_as_rasa_rest_channel(server: RasaServer) -> None:
    """Answers and stored conversation as Agent.handle_message's, plus the NLU summary."""
    for text in CONVERSATION:
        status, vigie = _post(
            server.vigie, {"sender": "vigie-1", "message": text, "metadata": {"k": "v"}}
        )
        assert status == 200, vigie
        status, rest = _post(server.rest, {"sender": "rest-1", "message": text})
        assert status == 200, rest
        assert set(vigie) == {"messages", "intent", "confidence", "response_key"}
        assert [{**m, "recipient_id": "-"} for m in vigie["messages"]] == [
            {**m, "recipient_id": "-"} for m in rest
        ]
        assert all(m["recipient_id"] == "vigie-1" for m in vigie["messages"])
        # The summary is the NLU result of this turn, as stored in the tracker.
        parse = server.tracker("vigie-1")["latest_message"]
        assert parse["text"] == text
        assert vigie["intent"] == parse["intent"]["name"]
        assert vigie["confidence"] == parse["intent"]["confidence"]
        faq = parse["response_selector"]["faq"]["response"]["intent_response_key"]
        assert vigie["response_key"] == faq
    vigie_events = server.tracker("vigie-1")["events"]
    rest_events = server.tracker("rest-1")["events"]
    assert _comparable(vigie_events) == _comparable(rest_events)
    users = [e for e in vigie_events if e["event"] == "user"]
    assert [e["text"] for e in users] == CONVERSATION
    assert all(e["input_channel"] == "vigie" for e in users)
    assert all(e["metadata"]["k"] == "v" for e in users)
    # One answer at least, and the knowledge-base question understood as such.
    assert any(e["event"] == "bot" for e in vigie_events)
    assert users[1]["parse_data"]["intent"]["name"] == "faq"
    assert (
        users[1]["parse_data"]["response_selector"]["faq"]["response"]["intent_response_key"]
        == "faq/password_strength"
    )


def test_text_is_cut_and_never_logged(server: RasaServer) -> None:
    marker = "zq" + "x" * 5000
    status, answer = _post(server.vigie, {"sender": "vigie-long", "message": marker})
    assert status == 200, answer
    [user] = [e for e in server.tracker("vigie-long")["events"] if e["event"] == "user"]
    assert user["text"] == marker[:MAX_TEXT_CHARS]
    assert "zqxxxx" not in server.log.read_text(encoding="utf-8", errors="replace")


def test_the_bots_message_id_is_kept(server: RasaServer) -> None:
    """The bot's id of a message (the same when it sends it again) becomes the message id
    the actions read; a missing or unusable one leaves Rasa's own."""
    for message_id in ("inbox-42", None, 12, "x" * 65):
        body = {"sender": f"vigie-id-{message_id!s:.8}", "message": "bonjour"}
        if message_id is not None:
            body["message_id"] = message_id
        status, answer = _post(server.vigie, body)
        assert status == 200, answer
        [user] = [e for e in server.tracker(str(body["sender"]))["events"] if e["event"] == "user"]
        if message_id == "inbox-42":
            assert user["message_id"] == "inbox-42"
        else:
            assert user["message_id"] and user["message_id"] != message_id


def test_a_message_sent_again_is_answered_again_not_handled_twice(server: RasaServer) -> None:
    """The bot sends a message again, with its id, when it got no answer (the Rasa server that
    handled it was killed before answering, or the bot process before delivering): the answer
    stored with it comes back, and nothing more is stored. A message stored without any
    answer (here a custom action, with no action server) is handled again."""
    sender = "vigie-again"

    def send(text: str, message_id: str) -> dict[str, Any]:
        status, answer = _post(
            server.vigie, {"sender": sender, "message": text, "message_id": message_id}
        )
        assert status == 200, answer
        return dict(answer)

    def stored() -> tuple[list[str], int]:
        events = server.tracker(sender)["events"]
        users = [e["message_id"] for e in events if e["event"] == "user"]
        return users, sum(e["event"] == "bot" for e in events)

    first = send("bonjour", "inbox-7")
    assert first["messages"]
    before = stored()
    assert send("bonjour", "inbox-7") == first  # the same messages and NLU summary
    assert stored() == before == (["inbox-7"], len(first["messages"]))
    # The conversation goes on as usual.
    assert send("merci beaucoup", "inbox-8")["messages"]
    assert stored()[0] == ["inbox-7", "inbox-8"]
    # No answer stored with it: handled again (as when the action server was down).
    assert send("c quoi un bon mot de passe", "inbox-9")["messages"] == []
    send("c quoi un bon mot de passe", "inbox-9")
    assert stored()[0] == ["inbox-7", "inbox-8", "inbox-9", "inbox-9"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"message": "bonjour"}',
        b'{"sender": "", "message": "bonjour"}',
        b'{"sender": 12, "message": "bonjour"}',
        b'{"sender": "vigie-bad"}',
        b'{"sender": "vigie-bad", "message": ["bonjour"]}',
        b'["vigie-bad", "bonjour"]',
    ],
)
def test_bad_requests_are_refused(server: RasaServer, body: bytes) -> None:
    assert _request(server.vigie, body) == (400, {"error": "sender and message are required"})
    status, tracker = _request(f"{server.base}/conversations/vigie-bad/tracker")
    assert status == 200 and not [e for e in tracker["events"] if e["event"] == "user"]
