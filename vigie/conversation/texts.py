"""Every French text the front ends write themselves (Rasa's and the actions' are elsewhere).

Placeholders in braces are filled from the settings' contacts, already escaped for HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

from vigie.core import reflexes, typography

# The emergency reflexes in short (vigie/core/reflexes.py), for the welcome and the degraded
# reply: a virus, a password given away, then whom to call day and night.
URGENT_SHORT = (
    f"Virus ou écran de rançon ? {reflexes.ISOLATION_SHORT}\n"
    f"Mot de passe donné ? {reflexes.CREDENTIAL_SHORT}\n"
    f"{reflexes.CALL}"
)

WELCOME = (
    "<b>Bonjour, je suis Vigie.</b>\n"
    "Je suis l’assistant de sécurité informatique de votre établissement, proposé par "
    "{provider_name}. Posez-moi vos questions avec vos mots, de jour comme de nuit{nbsp}: "
    "mots de passe, faux mails, clés USB, carte CPS, virus…\n\n"
    "<b>En cas d’urgence</b>\n" + URGENT_SHORT
)

# The inbox keeps each message with its Telegram chat id for the retention period (to answer
# it), and registration keeps the chat id to send ticket notifications: say so.
PRIVACY = (
    "<b>Vos données</b>\n"
    "Je conserve nos échanges {retention_days}{nbsp}jours pour le suivi par {provider_name}, "
    "avec votre identifiant Telegram sous une forme codée, sans votre nom. Ce qui ressemble à "
    "un mot de passe, un code ou un identifiant de connexion est effacé avant d’être "
    "enregistré.\n"
    "Si vous vous inscrivez dans un établissement, je garde aussi votre établissement et votre "
    "métier, pour suivre vos demandes, jusqu’à {people_retention_days}{nbsp}jours après votre "
    "départ{nbsp}; une demande d’assistance est effacée {ticket_retention_days}{nbsp}jours après "
    "sa clôture. Un mail suspect que vous m’envoyez est gardé {phishing_keep_days}{nbsp}jours, "
    "pour les techniciens de {provider_name}.\n"
    "<b>Ne tapez jamais ici un mot de passe ni une information de santé sur un résident.</b>\n"
    "Voir ce que je conserve{nbsp}: /mes_donnees{nbsp}; tout effacer{nbsp}: /oubli. Pour vos "
    "autres droits{nbsp}: {dpo_contact}."
)

DEGRADED = (
    "Je n’arrive pas à vous répondre tout de suite. Votre message est bien enregistré{nbsp}: "
    "je vous réponds dès que possible, sans que vous ayez à le renvoyer.\n\n"
    "<b>Si c’est urgent</b>\n" + URGENT_SHORT
)

REDACTED_WARNING = (
    "J’ai effacé de ce que je conserve ce qui ressemblait à {what}. Par sécurité, supprimez "
    "votre message de la conversation, et si c’était un vrai mot de passe ou un vrai code, "
    "changez-le dès maintenant."
)

# A password, a code or a card number: the message is deleted from the chat…
SECRET_RETRACTED = (
    "J’ai supprimé votre message{nbsp}: il contenait {what}, et je ne l’ai pas conservé. "
    "Si c’était un vrai mot de passe ou un vrai code, changez-le dès maintenant, depuis un "
    "autre appareil si possible{nbsp}; pour une carte bancaire, appelez votre banque."
)
# … or, when that failed, the person is told how to delete it.
SECRET_NOT_RETRACTED = (
    "Votre message contenait {what}{nbsp}: je ne l’ai pas conservé, mais il est encore dans la "
    "conversation. Supprimez-le{nbsp}: appui long sur le message, puis «{nbsp}Supprimer{nbsp}» "
    "(cochez «{nbsp}Supprimer aussi pour Vigie{nbsp}»). Si c’était un vrai mot de passe ou un "
    "vrai code, changez-le dès maintenant{nbsp}; pour une carte bancaire, appelez votre banque."
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
        "Je ne regarde pas les photos qu’on m’envoie sans explication, et je ne les garde pas. "
        "Décrivez-moi par écrit ce que vous voyez. L’écran affiche une demande de rançon{nbsp}? "
        f"{reflexes.ISOLATION_SHORT} {reflexes.CALL}\n"
        "Pour un mail suspect, dites-le-moi d’abord («{nbsp}j’ai reçu un "
        "mail bizarre{nbsp}»), puis envoyez sa capture d’écran, ou mieux le mail lui-même "
        "(fichier .eml)."
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
    "email_photo_unreadable": (
        "Je n’arrive pas à lire de mail sur cette image. Si c’est une photo de l’écran, "
        "reprenez-la bien en face et nette, ou faites une capture d’écran{nbsp}; mieux encore, "
        "envoyez-moi le mail en fichier .eml avec 📎, ou copiez-collez son texte ici. En "
        "attendant, ne cliquez sur rien dans ce mail."
    ),
    "email_photo": (
        "Je ne sais pas lire une photo ou une capture d’écran de mail{nbsp}: elle ne montre ni la "
        "vraie adresse de l’expéditeur ni celle des liens. Envoyez-moi le mail en fichier .eml "
        "avec 📎, ou copiez-collez ici tout son texte avec l’adresse de l’expéditeur. En "
        "attendant, ne cliquez sur rien dans ce mail."
    ),
    "email_msg_unreadable": (
        "Je n’arrive pas à lire ce fichier Outlook (.msg){nbsp}: il est peut-être abîmé. "
        "Envoyez-moi plutôt le mail en .eml avec 📎 (Outlook sur le web{nbsp}: «{nbsp}…{nbsp}» "
        "puis «{nbsp}Télécharger{nbsp}»), ou copiez-collez ici tout son texte avec l’adresse de "
        "l’expéditeur. En attendant, ne cliquez sur rien dans ce mail."
    ),
    "email_unreadable": (
        "Je n’ai pas réussi à récupérer ce fichier. Renvoyez-le dans un instant, ou "
        "copiez-collez ici le texte du mail avec l’adresse de l’expéditeur. En attendant, ne "
        "cliquez sur rien dans ce mail."
    ),
    "email_failed": (
        "Désolé, je n’ai pas pu analyser ce mail. En attendant, ne cliquez sur aucun lien, "
        "n’ouvrez pas la pièce jointe et ne répondez pas. Vous avez déjà cliqué ou donné un "
        f"mot de passe{{nbsp}}? {reflexes.CALL}"
    ),
    "other": "Je ne comprends que les messages écrits. Posez-moi votre question avec vos mots.",
}

# A message whose handling kept failing (not a storage outage: that is waited for).
NOT_TAKEN = (
    "Désolé, je n’ai pas pu prendre en compte votre dernier message. Pouvez-vous le "
    "renvoyer{nbsp}? <b>C’est urgent{nbsp}?</b> " + reflexes.CALL
)

UNKNOWN_COMMAND = (
    "Je ne connais pas cette commande. Les commandes disponibles sont /start, /aide et "
    "/menu{nbsp}; vous pouvez aussi m’écrire simplement votre question."
)

ERROR = (
    "Désolé, un problème est survenu de mon côté. Votre message est conservé. "
    "<b>C’est urgent{nbsp}?</b> " + reflexes.CALL
)

BUTTON_EXPIRED = "Ce choix n’est plus disponible. Écrivez-moi votre question."

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
