"""What people read about themselves: role and job labels (the codes are in ``roles``) and
registration (``/start CODE``). Templates use ``{nbsp}`` and contact placeholders, filled by
:func:`vigie.conversation.texts.fill`."""

from __future__ import annotations

ROLE_LABELS: dict[str, str] = {
    "staff": "personnel",
    "referent": "référent",
    "technician": "technicien",
    "admin": "administrateur",
}
JOB_LABELS: dict[str, str] = {
    "care": "soins",
    "admin": "administratif",
    "management": "direction",
    "other": "autre",
}


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
    "/console{nbsp}: un lien vers la console de suivi (chiffres, questions à revoir)\n"
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


# -- People's rights (/mes_donnees, /oubli) ------------------------------------------------

MY_DATA_NOTHING = (
    "Je ne conserve rien à votre sujet{nbsp}: ni inscription, ni échange, ni demande, ni "
    "signalement."
)
MY_DATA = (
    "<b>Ce que je conserve à votre sujet</b>\n"
    "• Inscription{nbsp}: {registration}\n"
    "• Échanges journalisés (textes déjà expurgés){nbsp}: {turns}\n"
    "• Demandes d’assistance{nbsp}: {tickets}\n"
    "• Mails suspects signalés{nbsp}: {reports}\n"
    "• Adresse e-mail professionnelle reliée{nbsp}: {address}\n\n"
    "Le détail complet est dans le fichier joint. Pour tout effacer{nbsp}: /oubli"
)
MY_DATA_REGISTERED = "{facility}, métier{nbsp}: {job}, depuis le {since}"
MY_DATA_TECHNICIAN = "{role} du prestataire, depuis le {since}"
MY_DATA_NONE = "aucune"
MY_DATA_TURNS = "{count}, du {first} au {last}"
MY_DATA_FILE_CAPTION = "Vos données chez Vigie (JSON)"
FORGET_ASK = (
    "<b>Tout effacer{nbsp}?</b> J’effacerai nos échanges, votre inscription et votre adresse "
    "reliée{nbsp}; vos demandes d’assistance resteront chez {provider_name} pour son suivi, "
    "mais sans aucun lien avec vous, et vos signalements de mails suspects restent anonymes "
    "dans leur campagne. C’est définitif.\n\n"
    "Pour confirmer, tapez{nbsp}: <code>/oubli confirmer</code>"
)
FORGET_DONE = (
    "C’est fait{nbsp}: j’ai effacé {turns} échange(s) et {registration}. "
    "Si vous revenez, il faudra un nouveau lien d’inscription."
)
FORGET_DONE_REGISTRATION = "votre inscription"
FORGET_DONE_NO_REGISTRATION = "aucune inscription (vous n’étiez pas inscrit(e))"
