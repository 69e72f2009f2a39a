"""What the tips of the week say around the tip itself (French, typography applied by the
callers through :func:`vigie.core.typography.french_typography`)."""

from __future__ import annotations

TIPS_ACTION = "tips"
ON, OFF = "on", "off"

OFFER_LABEL = "💡 Recevoir une astuce par semaine"
STOP_LABEL = "Ne plus recevoir d’astuces"
MORE_LABEL = "En savoir plus : {title}"
TIP = "💡 <b>L’astuce de la semaine</b>\n{text}"
STATUS_ON = (
    "Vous recevez une astuce de sécurité par semaine, en journée, jamais la nuit ni les jours "
    "fériés. Pour arrêter : le bouton ci-dessous, ou /astuces à tout moment."
)
STATUS_OFF = (
    "Une astuce de sécurité par semaine, courte, pour votre métier, en journée : "
    "voulez-vous la recevoir ? Vous pourrez arrêter à tout moment avec /astuces."
)
SUBSCRIBED = "C’est noté : une astuce par semaine, en journée. Pour arrêter : /astuces."
UNSUBSCRIBED = "C’est noté : vous ne recevrez plus d’astuces. Pour les reprendre : /astuces."
NOT_REGISTERED = (
    "Les astuces de la semaine sont pour le personnel des établissements inscrits. Pour vous "
    "inscrire, ouvrez le lien d’invitation de votre établissement."
)
