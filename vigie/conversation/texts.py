"""Every French text the front ends write themselves (Rasa's and the actions' are elsewhere).

Placeholders in braces are filled from the settings' contacts, already escaped for HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

from vigie.core import typography

WELCOME = (
    "<b>Bonjour, je suis Vigie.</b>\n"
    "Je suis l’assistant de sécurité informatique de votre établissement, proposé par "
    "{provider_name}. Posez-moi vos questions avec vos mots, de jour comme de nuit{nbsp}: "
    "mots de passe, faux mails, clés USB, carte CPS, virus…\n\n"
    "<b>En cas d’urgence</b> (écran de rançon, virus, mot de passe donné){nbsp}: débranchez le "
    "câble réseau, n’éteignez pas l’ordinateur et appelez {provider_name} ({provider_hotline})."
)

# The inbox keeps each message with its Telegram chat id for the retention period (to answer
# it), and registration keeps the chat id to send ticket notifications: say so.
PRIVACY = (
    "<b>Vos données</b>\n"
    "Je conserve nos échanges {retention_days}{nbsp}jours pour le suivi par {provider_name}, "
    "avec votre identifiant Telegram mais sans votre nom. Ce qui ressemble à un mot de passe, "
    "un code ou un identifiant de connexion est effacé avant d’être enregistré.\n"
    "Si vous vous inscrivez dans un établissement, je garde aussi, tant que vous êtes "
    "inscrit(e), votre identifiant Telegram, votre établissement et votre métier, pour suivre "
    "vos demandes{nbsp}; une demande est effacée {retention_days}{nbsp}jours après sa "
    "clôture.\n"
    "<b>Ne tapez jamais ici un mot de passe ni une information de santé sur un résident.</b>\n"
    "Pour vos droits sur vos données{nbsp}: {dpo_contact}."
)

DEGRADED = (
    "Je n’arrive pas à vous répondre tout de suite. Votre message est bien enregistré{nbsp}: "
    "je vous réponds dès que possible, sans que vous ayez à le renvoyer.\n\n"
    "<b>Si c’est urgent</b> (virus, écran de rançon, mot de passe donné){nbsp}: débranchez le "
    "câble réseau, n’éteignez pas l’ordinateur et appelez {provider_name} "
    "({provider_hotline}{nbsp}; astreinte{nbsp}: {provider_oncall})."
)

REDACTED_WARNING = (
    "J’ai effacé de ce que je conserve ce qui ressemblait à {what}. Par sécurité, supprimez "
    "votre message de la conversation, et si c’était un vrai mot de passe ou un vrai code, "
    "changez-le dès maintenant."
)

REDACTED_KINDS = {
    "password": "un mot de passe",
    "code": "un code",
    "login": "un identifiant",
    "email": "une adresse e-mail",
    "phone": "un numéro de téléphone",
    "iban": "des coordonnées bancaires",
    "card": "un numéro de carte",
    "nir": "un numéro de sécurité sociale",
}
REDACTED_DEFAULT = "une information personnelle"

TOO_LONG = (
    "Votre message est trop long pour moi (plus de {limit}{nbsp}caractères). Pouvez-vous "
    "me l’écrire en quelques phrases{nbsp}? Pour un mail suspect, retenez seulement "
    "l’expéditeur et ce qu’il demande."
)

EMPTY = "Je n’ai reçu aucun texte. Écrivez-moi votre question avec vos mots."

UNSUPPORTED = {
    "voice": (
        "Je ne sais pas encore écouter les messages vocaux. Pouvez-vous m’écrire votre "
        "question{nbsp}?"
    ),
    "sticker": "Joli{nbsp}! Mais je ne comprends que les messages écrits{nbsp}: posez-moi votre question.",
    "photo": (
        "Je ne sais pas encore lire les photos. Décrivez-moi par écrit ce que vous voyez. "
        "Si l’écran affiche une demande de rançon{nbsp}: débranchez le câble réseau et "
        "appelez {provider_name} ({provider_hotline}). Pour un mail suspect, envoyez-moi "
        "plutôt le mail lui-même (fichier .eml) ou copiez-collez son texte."
    ),
    "document": (
        "Je ne sais pas analyser ce type de fichiers{nbsp}: seulement les mails enregistrés en "
        "fichier .eml. Pour un mail suspect, envoyez-le-moi en .eml ou copiez-collez son texte "
        "avec l’adresse de l’expéditeur, sans cliquer sur rien."
    ),
    # Suspicious e-mails (vigie/phishing/intake.py): what the bot answers itself, without Rasa.
    "email_too_big": (
        "Ce fichier est trop lourd pour moi (plus de {limit}{nbsp}Mo){nbsp}: je ne l’ai pas "
        "ouvert. Copiez-collez plutôt ici le texte du mail avec l’adresse de l’expéditeur. En "
        "attendant, ne cliquez sur rien dans ce mail."
    ),
    "email_msg": (
        "Je ne sais pas lire les fichiers .msg d’Outlook. Envoyez-moi plutôt le mail au format "
        ".eml (Outlook sur le web{nbsp}: «{nbsp}…{nbsp}» puis «{nbsp}Télécharger{nbsp}») avec 📎, "
        "ou copiez-collez ici tout son texte avec l’adresse de l’expéditeur. En attendant, ne "
        "cliquez sur rien dans ce mail."
    ),
    "email_photo": (
        "Je ne sais pas lire une photo ou une capture d’écran de mail{nbsp}: elle ne montre ni la "
        "vraie adresse de l’expéditeur ni celle des liens. Envoyez-moi le mail en fichier .eml "
        "avec 📎, ou copiez-collez ici tout son texte avec l’adresse de l’expéditeur. En "
        "attendant, ne cliquez sur rien dans ce mail."
    ),
    "email_unreadable": (
        "Je n’ai pas réussi à récupérer ce fichier. Renvoyez-le dans un instant, ou "
        "copiez-collez ici le texte du mail avec l’adresse de l’expéditeur. En attendant, ne "
        "cliquez sur rien dans ce mail."
    ),
    "email_failed": (
        "Désolé, je n’ai pas pu analyser ce mail. En attendant, ne cliquez sur aucun lien, "
        "n’ouvrez pas la pièce jointe et ne répondez pas. Si vous avez déjà cliqué ou donné un "
        "mot de passe, appelez {provider_name} ({provider_hotline})."
    ),
    "other": "Je ne comprends que les messages écrits. Posez-moi votre question avec vos mots.",
}

UNKNOWN_COMMAND = (
    "Je ne connais pas cette commande. Les commandes disponibles sont /start, /aide et "
    "/menu{nbsp}; vous pouvez aussi m’écrire simplement votre question."
)

ERROR = (
    "Désolé, un problème est survenu de mon côté. Votre message est conservé. En cas "
    "d’urgence, appelez {provider_name} ({provider_hotline})."
)

BUTTON_EXPIRED = "Ce choix n’est plus disponible. Écrivez-moi votre question."

# -- Registration (/start CODE) ----------------------------------------------------------

REGISTERED = (
    "<b>Bienvenue{nbsp}!</b> Vous êtes inscrit(e) à <b>{facility}</b>.\n"
    "Pour mieux vous répondre, quel est votre métier{nbsp}?"
)
REGISTERED_TECHNICIAN = (
    "<b>Bienvenue{nbsp}!</b> Vous êtes inscrit(e) comme technicien(ne) de {provider_name}. "
    "Les nouveaux tickets des établissements arriveront ici, avec des boutons pour les "
    "prendre en charge, répondre au demandeur et les clore.\n\n"
    "/tickets{nbsp}: les tickets ouverts, les plus urgents d’abord\n"
    "/ticket VIG-2026-00042{nbsp}: un ticket et son historique\n"
    "/campagnes{nbsp}: les mails suspects signalés, regroupés par campagne\n"
    "/annuler{nbsp}: abandonner une réponse en cours"
)
JOB_BUTTONS = (
    ("Soins", "care"),
    ("Administratif", "admin"),
    ("Direction", "management"),
    ("Autre", "other"),
)
JOB_CHOSEN = "C’est noté, votre métier{nbsp}: {job}. Voici ce que je peux faire pour vous{nbsp}:"
NOT_REGISTERED = (
    "Vous n’êtes pas encore inscrit(e) auprès d’un établissement. Ouvrez le lien d’invitation "
    "de votre établissement{nbsp}; pour en obtenir un, contactez {referent_contact}."
)

_NEW_LINK = (
    " Pour obtenir un nouveau lien, contactez {referent_contact}. En attendant, vous pouvez "
    "quand même me poser vos questions."
)
INVITATION_ERRORS = {
    "unknown": "Ce code d’invitation n’est pas valable." + _NEW_LINK,
    "expired": "Ce lien d’invitation a expiré." + _NEW_LINK,
    "used_up": "Ce lien d’invitation a déjà servi le nombre de fois prévu." + _NEW_LINK,
    "revoked": "Ce lien d’invitation a été désactivé." + _NEW_LINK,
    # A person an admin removed (``vigie technicians remove``): no code brings them back.
    "removed": "Votre accès à Vigie a été retiré. Adressez-vous à votre prestataire.",
    # Only in the local terminal chat: technicians' codes are for Telegram.
    "wrong_role": (
        "Ce code d’invitation est destiné aux techniciens{nbsp}: utilisez-le dans Telegram. "
        "Ici, seuls les codes du personnel d’un établissement fonctionnent."
    ),
}

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

TERMINAL_INTRO = (
    "Vigie — conversation locale (sans Telegram). Écrivez votre message puis Entrée{nbsp}; "
    "tapez le numéro d’un choix pour le sélectionner, /aide pour le menu, /quitter pour sortir.\n"
    "Pour essayer les tickets, inscrivez-vous dans un établissement avec /start CODE (un code "
    "du personnel créé par «{nbsp}vigie invitations create{nbsp}»). Pour un mail suspect{nbsp}: "
    "/mail CHEMIN.eml."
)
MAIL_USAGE = (
    "Indiquez le chemin du fichier .eml, par exemple{nbsp}: /mail ~/Téléchargements/message.eml"
)
MAIL_NOT_FOUND = "Je ne trouve pas le fichier «{nbsp}{name}{nbsp}»."
MAIL_UNREADABLE = "Je n’arrive pas à lire le fichier «{nbsp}{name}{nbsp}»."
TERMINAL_TECHNICIANS_ONLY = "Les commandes des techniciens (/tickets, /ticket, /campagnes) ne fonctionnent que dans Telegram."
TERMINAL_BYE = "À bientôt{nbsp}!"


def fill(template: str, contacts: Mapping[str, str], **extra: object) -> str:
    """A template with the contacts and ``extra`` filled in, every value HTML-escaped."""
    return typography.fill(template, {**contacts, **extra})
