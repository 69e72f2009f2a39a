"""The names of what the console and the monthly report count (topics, verdicts, what people
did, urgencies, incident kinds), in French: one place for both."""

from __future__ import annotations

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


def topic_label(topic: str, titles: dict[str, str]) -> str:
    """A topic as staff would name it: the article's title, or the intent's label."""
    if topic.startswith("faq/"):
        return titles.get(topic[4:], topic[4:])
    return INTENT_LABELS.get(topic, topic)
