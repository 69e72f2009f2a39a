"""The check of the action server's answers, with its validator built once.

Rasa 3.6.21 checks every answer of the action server against the schema of an action's
response (``RemoteAction._validate_action_result``) with ``jsonschema.validate``, which first
checks that schema itself against JSON Schema's meta-schema, and builds a new validator, on
every call. Measured with py-spy under load (docs/chaos.md), that took 57 % of the Rasa
server's CPU: Rasa answered about 23 messages per second on this machine, nearly all of them
running a custom action.

:func:`install` replaces the method with the same check (the same schema, the same error,
with Rasa's own message appended) against a validator built and checked once. The test
``tests/rasa_addons/test_vigie_channel.py`` fingerprints the replaced method and the schema
function, so a Rasa upgrade that changes them is noticed. The channel
(``rasa_addons/vigie_channel.py``) installs it when Rasa builds it from credentials.yml.
"""

import logging
from typing import Any

logger = logging.getLogger(__name__)

_installed = False


def install() -> None:
    """Make Rasa's ``RemoteAction`` check answers with a validator built once (idempotent)."""
    global _installed
    if _installed:
        return
    from jsonschema import ValidationError, validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate does on every call
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error: ValidationError | None = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    _installed = True
    logger.info("Action server answers checked with a validator built once")
