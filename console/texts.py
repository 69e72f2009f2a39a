"""Everything the console says that is not in its templates: topic names, verdicts, refusals.
French, with French typography."""

from __future__ import annotations

NBSP = "\u00a0"

INTENT_LABELS: dict[str, str] = {
    "greet": "Salutations",
    "goodbye": "Au revoir",
    "thank": "Remerciements",
    "affirm": "Oui",
    "deny": "Non",
    "bot_challenge": "« Êtes-vous un robot ? »",
    "help": "Aide",
    "out_of_scope": "Hors sujet",
    "report_phishing": "Mail suspect signalé",
    "open_ticket": "Demande d’assistance",
    "ticket_status": "Suivi d’une demande",
    "declare_incident": "Incident de sécurité",
    "lost_device": "Appareil ou carte perdu",
    "cancel": "Annulation",
    "inform": "Réponse à une question",
    "add_info": "Précision sur une demande",
    "nlu_fallback": "Non compris",
    "email_received": "Mail analysé",
}
VERDICT_LABELS: dict[str, str] = {
    "dangereux": "dangereux",
    "douteux": "douteux",
    "sans_danger": "probablement sans danger",
}
ACTION_LABELS: dict[str, str] = {
    "none": "rien fait",
    "clicked": "a cliqué",
    "clicked_asked": "a cliqué, une page a demandé quelque chose",
    "credentials": "a saisi un mot de passe",
    "attachment": "a ouvert la pièce jointe",
    "replied": "a répondu",
}
URGENCY_LABELS: dict[str, str] = {
    "critical": "critique",
    "high": "haute",
    "normal": "normale",
    "low": "basse",
}
INCIDENT_KIND_LABELS: dict[str, str] = {
    "incident": "incidents de sécurité",
    "lost_device": "appareils ou cartes perdus",
}
ROLE_LABELS: dict[str, str] = {
    "technician": "technicien",
    "admin": "administrateur",
    "referent": "référent",
}
DECISION_LABELS: dict[str, str] = {
    "labelled": "étiquetés",
    "new_topic": "nouveaux sujets à écrire",
    "dismissed": "écartés",
}
REFUSALS: dict[str, str] = {
    "unknown": "Ce lien de connexion n’existe pas.",
    "used": "Ce lien de connexion a déjà servi : un lien ne sert qu’une fois.",
    "expired": "Ce lien de connexion a expiré.",
    "not_allowed": "Cette personne n’a pas accès à la console.",
}
ASK_AGAIN = "Demandez un nouveau lien en envoyant /console à Vigie dans Telegram."
SIGNED_OUT = "Vous êtes déconnecté."
SIGN_IN_FIRST = "Connectez-vous : envoyez /console à Vigie dans Telegram et ouvrez le lien reçu."
FORBIDDEN = "Cette page n’est pas accessible avec votre compte."
NOT_FOUND = "Cette page n’existe pas."
CSRF_REFUSED = "Formulaire expiré ou incomplet : rechargez la page et recommencez."
BAD_LABEL = "Choisissez une étiquette dans la liste."


def topic_label(topic: str, titles: dict[str, str]) -> str:
    """A topic as staff would name it: the article's title, or the intent's label."""
    if topic.startswith("faq/"):
        return titles.get(topic[4:], topic[4:])
    return INTENT_LABELS.get(topic, topic)


def typography(text: str) -> str:
    """No-break spaces before « : ; ? ! » and inside « »."""
    for mark in (":", ";", "?", "!", "»"):
        text = text.replace(f" {mark}", f"{NBSP}{mark}")
    return text.replace("« ", f"«{NBSP}")
