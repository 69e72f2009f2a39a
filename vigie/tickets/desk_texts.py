"""What the technicians' desk says about tickets (private chat and technicians' group) and
to staff answering « Est-ce réglé ? ». Templates use ``{nbsp}`` and placeholders, filled by
:func:`vigie.conversation.texts.fill`."""

from __future__ import annotations

# -- Technicians ---------------------------------------------------------------------------

TECHNICIANS_ONLY = "Cette commande est réservée aux techniciens du prestataire."
TICKET_USAGE = "Indiquez la référence du ticket, par exemple{nbsp}: /ticket VIG-2026-00042"
TICKET_UNKNOWN = "Je ne trouve aucun ticket {reference}."
NO_OPEN_TICKETS = "Aucun ticket ouvert pour le moment."
TAKEN = "Vous avez pris en charge le ticket {reference}. Le demandeur en est informé."
RESOLVED = (
    "Ticket {reference} marqué résolu. Le demandeur va confirmer si c’est réglé{nbsp}; "
    "s’il répond non, le ticket sera rouvert et vous serez prévenu(e)."
)
WRITE_REPLY = (
    "Écrivez maintenant, en un seul message, votre réponse au demandeur du ticket "
    "{reference}. /annuler pour abandonner."
)
WRITE_QUESTION = (
    "Écrivez maintenant, en un seul message, la précision à demander au demandeur du ticket "
    "{reference}{nbsp}; le ticket passera «{nbsp}en attente de votre réponse{nbsp}». "
    "/annuler pour abandonner."
)
REPLY_SENT = "Réponse envoyée au demandeur de {reference}."
QUESTION_SENT = (
    "Question envoyée au demandeur de {reference}{nbsp}; le ticket est en attente de sa réponse."
)
REPLY_CANCELLED = "C’est annulé{nbsp}: rien n’a été envoyé pour le ticket {reference}."
REPLY_TOO_LONG = (
    "Votre message est trop long (plus de {limit}{nbsp}caractères){nbsp}: raccourcissez-le "
    "et renvoyez-le, ou /annuler."
)
REPLY_REDACTED = (
    "J’ai effacé de votre message ce qui ressemblait à {what}{nbsp}: ne transmettez jamais de "
    "secret par Vigie."
)
TICKET_NOT_FOUND = "Je ne trouve pas ce ticket."

# -- The technicians' group chat (TECHNICIANS_CHAT_ID) ---------------------------------------

TECHNICIAN_FALLBACK_NAME = "Un technicien"
TAKEN_GROUP = "{name} a pris en charge le ticket {reference}. Le demandeur en est informé."
RESOLVED_GROUP = (
    "{name} a marqué le ticket {reference} résolu. Le demandeur va confirmer si c’est "
    "réglé{nbsp}; s’il répond non, le ticket sera rouvert et le groupe prévenu."
)
_REPLY_HERE = (
    '<a href="tg://user?id={user_id}">{name}</a>, <b>répondez à ce message</b> pour écrire, '
    "en un seul message, "
)
WRITE_REPLY_GROUP = (
    _REPLY_HERE + "votre réponse au demandeur du ticket {reference}. /annuler pour abandonner."
)
WRITE_QUESTION_GROUP = (
    _REPLY_HERE + "la précision à demander au demandeur du ticket {reference}{nbsp}; le ticket "
    "passera «{nbsp}en attente de votre réponse{nbsp}». /annuler pour abandonner."
)
REPLY_PLACEHOLDER = "Votre message au demandeur"
REPLY_SENT_GROUP = "Réponse de {name} envoyée au demandeur de {reference}."
QUESTION_SENT_GROUP = (
    "Question de {name} envoyée au demandeur de {reference}{nbsp}; le ticket est en attente "
    "de sa réponse."
)
GROUP_BUTTON_UNAVAILABLE = "Ce bouton ne fonctionne pas dans ce groupe."
TICKET_BAD_STATE = (
    "Ce n’est plus possible pour le ticket {reference}{nbsp}: il a changé d’état entre-temps. "
    "/ticket {reference} pour le voir."
)
ACTION_FAILED = "Désolé, je n’ai pas pu enregistrer cette action. Réessayez dans un instant."

# -- Staff answers to "Est-ce réglé ?" -----------------------------------------------------

STAFF_REFUSED = "Je ne peux pas donner suite à ce choix."
