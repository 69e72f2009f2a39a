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

# --- Micro-quizzes (/quiz) -----------------------------------------------------------------

QUIZ_ACTION = "quiz"
NEW = "new"
QUIZ_OFFER_LABEL = "🎯 Un quiz de 3 questions"
QUIZ_AGAIN_LABEL = "🎯 Un autre quiz"
QUIZ_INTRO = (
    "🎯 <b>Quiz de sécurité</b> : 3 questions, 1 minute. Rien n’est noté à votre nom pour "
    "vos collègues : c’est pour vous."
)
QUIZ_QUESTION = "<b>Question {position}/{total}</b>\n{question}"
QUIZ_RIGHT = "✅ <b>Bonne réponse !</b>\n{explanation}\n<i>Source : {source}</i>"
QUIZ_WRONG = (
    "❌ <b>Pas tout à fait.</b> La bonne réponse : « {right} ».\n{explanation}\n"
    "<i>Source : {source}</i>"
)
QUIZ_SCORE = {
    3: "🏆 <b>3 sur 3</b> : parfait, vous avez les bons réflexes !",
    2: "👍 <b>2 sur 3</b> : c’est bien. Un point à revoir ci-dessous.",
    1: "<b>1 sur 3</b> : quelques points à revoir, c’est fait pour ça.",
    0: "<b>0 sur 3</b> : pas de souci, c’est en se trompant ici qu’on évite l’erreur au travail.",
}
QUIZ_REVIEW = "À relire :"
QUIZ_ALREADY = "Vous avez déjà répondu à cette question."
QUIZ_EXPIRED = "Ce quiz n’est plus disponible : /quiz pour en commencer un autre."
QUIZ_NOT_REGISTERED = (
    "Les quiz sont pour le personnel des établissements inscrits. Pour vous inscrire, ouvrez "
    "le lien d’invitation de votre établissement."
)
QUIZ_EMPTY = "Aucune question n’est disponible pour le moment. Réessayez plus tard."

# --- The facility self-diagnostic (/diagnostic) ------------------------------------------

DIAGNOSTIC_ACTION = "diag"
ANSWER_LABELS = {
    "yes": "Oui",
    "partly": "En partie",
    "no": "Non",
    "unknown": "Je ne sais pas",
}
ANSWER_CODES = {"yes": "y", "partly": "p", "no": "n", "unknown": "u"}
OWNER_LABELS = {
    "facility": "l’établissement",
    "provider": "{provider}",
    "both": "l’établissement avec {provider}",
}
DIAGNOSTIC_INTRO = (
    "🩺 <b>Autodiagnostic de sécurité</b> – {facility} : {count} questions, une dizaine de "
    "minutes. Répondez pour l’établissement tel qu’il est aujourd’hui. « Je ne sais pas » est "
    "une réponse utile : {provider} vous aidera à trouver. Vous pouvez vous arrêter et "
    "reprendre plus tard avec /diagnostic."
)
DIAGNOSTIC_RESUME = "🩺 On reprend l’autodiagnostic là où vous vous étiez arrêté."
DIAGNOSTIC_QUESTION = (
    "<b>Question {position}/{total}</b> · {domain}\n<b>{question}</b>\n<i>{explanation}</i>"
)
DIAGNOSTIC_RESULT_HEAD = "🩺 <b>Résultat de l’autodiagnostic</b> : <b>{percent} / 100</b>"
DIAGNOSTIC_PREVIOUS = "La dernière fois, le {date} : {percent} / 100."
DIAGNOSTIC_DOMAINS = "<b>Par domaine</b>"
DIAGNOSTIC_DOMAIN_LINE = "• {title} : {percent} %"
DIAGNOSTIC_PRIORITIES = "<b>Les actions à faire d’abord</b>"
DIAGNOSTIC_PRIORITY_LINE = "{rank}. {action} <i>({owner})</i>"
DIAGNOSTIC_NO_PRIORITY = "Aucune : toutes les réponses sont « Oui ». Bravo, gardez le cap."
DIAGNOSTIC_UNKNOWN = (
    "{count} réponse(s) « Je ne sais pas » : {provider} peut vous aider à y répondre."
)
DIAGNOSTIC_PDF_FOLLOWS = (
    "Le rapport complet (PDF) suit. Refaites le diagnostic quand vous voulez : /diagnostic."
)
DIAGNOSTIC_PDF_CAPTION = "🩺 Autodiagnostic de sécurité – {facility}, {date}"
DIAGNOSTIC_ONLY_DIRECTION = (
    "L’autodiagnostic est pour la direction ou le référent de l’établissement. Si c’est votre "
    "rôle, demandez à {provider} de vous inscrire comme référent."
)
DIAGNOSTIC_EXPIRED = "Ce diagnostic n’est plus en cours : /diagnostic pour le reprendre."
DIAGNOSTIC_ALREADY = "Vous avez déjà répondu à cette question."
DIAGNOSTIC_UNAVAILABLE = "L’autodiagnostic n’est pas disponible pour le moment."
