"""The emergency reflexes, written once: isolation, credential, lost device.

Every text that gives one of these reflexes uses these sentences word for word: the Python
texts compose them from here; the knowledge base (Markdown) and any Rasa response keep a
literal copy, and ``tests/vigie/test_reflexes.py`` fails when a copy drifts.

Staff read them on a phone, often in a panic: short numbered steps, short sentences. Every
reflex gives the numbers to call (:data:`CALL`), the on-call one first outside the provider's
hours, the credential reflex included.

The sentences carry no markup, so that they fit both the Markdown subset of the knowledge base
(:func:`vigie.knowledge.render.markdown_to_html`) and the HTML templates of the front end
(:func:`vigie.core.typography.fill`); they are written with ordinary spaces and given French
typography (no-break spaces) here. Placeholders are those of :meth:`vigie.core.settings.Settings.contacts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vigie.core.typography import french_typography

#: Whom to call, day and night: the placeholder every urgent text carries, filled with
#: :data:`CALL_DAY` during the provider's hours of the person's facility and with
#: :data:`CALL_NIGHT` outside them (:func:`call`, :meth:`vigie.core.settings.Settings.contacts`),
#: so that at 3 a.m. the number that answers comes first.
CALL = "{call}"
#: During the provider's hours: the hotline first. Two sentences, so that each stays short.
CALL_DAY = french_typography(
    "Appelez {provider_name} : {provider_hotline}. La nuit et le week-end : {provider_oncall}."
)
#: Outside the provider's hours: the on-call number first.
CALL_NIGHT = french_typography(
    "Appelez l’astreinte de {provider_name} : {provider_oncall}. "
    "Aux heures d’ouverture : {provider_hotline}."
)


def call(contacts: Mapping[str, str], *, night: bool) -> str:
    """The sentence of :data:`CALL`, filled with ``contacts`` (plain text, not escaped)."""
    return (CALL_NIGHT if night else CALL_DAY).format_map(contacts)


def _steps(*steps: str) -> tuple[str, ...]:
    return tuple(french_typography(step) for step in steps)


#: A virus, a ransom screen, a suspicious file opened: isolate the computer, keep the evidence.
ISOLATION_STEPS = _steps(
    "Débranchez le câble réseau de l’ordinateur ou coupez son Wi-Fi.",
    "N’éteignez pas l’ordinateur et ne branchez rien dessus.",
    "Prenez l’écran en photo avec un téléphone et notez l’heure.",
    CALL,
    "Prévenez les collègues du service et {referent_contact}.",
)

#: A password or a code given away (fake page, phone call, reply to a mail).
CREDENTIAL_STEPS = _steps(
    "Changez ce mot de passe maintenant, depuis un autre appareil (pas cet ordinateur).",
    "Changez-le aussi partout où vous utilisez le même.",
    CALL,
)

#: A computer, a phone, a tablet or a CPS card lost or stolen.
LOST_DEVICE_STEPS = _steps(
    CALL,
    "Ordinateur, téléphone ou tablette : {provider_name} peut le bloquer ou l’effacer à distance.",
    "Carte CPS : prévenez {referent_contact}, qui la fait mettre en opposition par le "
    "gestionnaire des cartes.",
    "Changez, depuis un autre appareil, les mots de passe enregistrés sur l’appareil.",
)

# Short forms, for texts that cannot hold the whole list (the welcome, the degraded reply, the
# photo answer, an article's « Qui prévenir »). Each is always followed by :data:`CALL` in the
# same text; a lead-in ending with « ? » (« Mot de passe donné ? ») may come before.

#: The isolation reflex in two sentences.
ISOLATION_SHORT = french_typography(
    "Débranchez le câble réseau ou coupez le Wi-Fi, sans éteindre l’ordinateur. "
    "Ne branchez rien dessus."
)
#: The credential reflex in one sentence (« -le »: the password or code named just before).
CREDENTIAL_SHORT = french_typography(
    "Changez-le tout de suite depuis un autre appareil, et partout où vous l’utilisez."
)

#: Every reflex as a list of steps, by name (for the checks).
STEPS: dict[str, tuple[str, ...]] = {
    "ISOLATION_STEPS": ISOLATION_STEPS,
    "CREDENTIAL_STEPS": CREDENTIAL_STEPS,
    "LOST_DEVICE_STEPS": LOST_DEVICE_STEPS,
}
#: Every short form, by name (for the checks).
SHORT: dict[str, str] = {
    "ISOLATION_SHORT": ISOLATION_SHORT,
    "CREDENTIAL_SHORT": CREDENTIAL_SHORT,
}


def numbered(steps: Sequence[str], start: int = 1) -> str:
    """The steps as a numbered Markdown list (« 1. … »), one per line, from ``start``."""
    return "\n".join(f"{number}. {step}" for number, step in enumerate(steps, start))
