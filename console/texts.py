"""Everything the console says that is not in its templates: topic names, verdicts, refusals.
French, with French typography."""

from __future__ import annotations

from vigie.console.labels import ACTION_LABELS as ACTION_LABELS
from vigie.console.labels import INCIDENT_KIND_LABELS as INCIDENT_KIND_LABELS
from vigie.console.labels import INTENT_LABELS as INTENT_LABELS
from vigie.console.labels import URGENCY_LABELS as URGENCY_LABELS
from vigie.console.labels import VERDICT_LABELS as VERDICT_LABELS
from vigie.console.labels import topic_label as topic_label

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
