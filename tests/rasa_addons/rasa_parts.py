"""What the parts of Rasa that rasa_addons/vigie_channel.py relies on look like today.

Run in the Rasa environment (``.venv-rasa/bin/python tests/rasa_addons/rasa_parts.py``) by
tests/rasa_addons/test_vigie_channel.py; prints one JSON object: Rasa's version, and for each
part its fingerprint and its source. A function's fingerprint is the SHA-256 of its syntax
tree (comments and layout do not count); a method the channel only calls is fingerprinted
by its signature.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import os
import textwrap
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import rasa
from rasa.core import run
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.lock_store import LockStore
from rasa.core.processor import MessageProcessor

# Restated by the channel's _handle, or assumed by the channel: compared whole.
RESTATED: dict[str, Callable[..., Any]] = {
    "rasa.core.agent.Agent.handle_message": Agent.handle_message,
    "rasa.core.agent.Agent.is_ready": Agent.is_ready,
    "rasa.core.processor.MessageProcessor.handle_message": MessageProcessor.handle_message,
    "rasa.core.run.load_agent_on_start": run.load_agent_on_start,
    # Restated when a message is sent again: its stored answer sent back.
    "rasa.core.processor.MessageProcessor._send_bot_messages": (
        MessageProcessor._send_bot_messages
    ),
    # Replaced by rasa_addons/action_validation.py, with the schema it validates against.
    "rasa.core.actions.action.RemoteAction._validate_action_result": (
        RemoteAction._validate_action_result
    ),
    "rasa.core.actions.action.RemoteAction.action_response_format_spec": (
        RemoteAction.action_response_format_spec
    ),
}
# Called by the channel's _handle: compared by signature.
CALLED: dict[str, Callable[..., Any]] = {
    "rasa.core.lock_store.LockStore.lock": LockStore.lock,
    "rasa.core.processor.MessageProcessor.log_message": MessageProcessor.log_message,
    "rasa.core.processor.MessageProcessor.run_action_extract_slots": (
        MessageProcessor.run_action_extract_slots
    ),
    "rasa.core.processor.MessageProcessor._run_prediction_loop": (
        MessageProcessor._run_prediction_loop
    ),
    "rasa.core.processor.MessageProcessor.run_anonymization_pipeline": (
        MessageProcessor.run_anonymization_pipeline
    ),
    "rasa.core.processor.MessageProcessor.save_tracker": MessageProcessor.save_tracker,
}


def syntax_fingerprint(function: Callable[..., Any]) -> str:
    """SHA-256 of the function's syntax tree, without positions."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def parts() -> dict[str, dict[str, str]]:
    """Fingerprint and source of every part, by dotted name."""
    found = {
        name: {"fingerprint": syntax_fingerprint(f), "source": inspect.getsource(f)}
        for name, f in RESTATED.items()
    }
    for name, function in CALLED.items():
        signature = str(inspect.signature(function))
        found[name] = {"fingerprint": signature, "source": inspect.getsource(function)}
    return found


if __name__ == "__main__":
    print(json.dumps({"rasa_version": rasa.__version__, "parts": parts()}))
