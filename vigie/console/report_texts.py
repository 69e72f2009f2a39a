"""Everything the monthly report says, in French with French typography (no-break spaces
before ``: ; ? !`` and inside « »): titles, labels of the figures, the line on a fake e-mail,
the advice.

The labels of topics, verdicts, actions, urgencies and incident kinds are those of the web
console, in ``vigie/console/labels.py`` (re-exported here).
Templates are written with ordinary spaces and given typography by :func:`t`; the values
filled in (a facility's name, a subject) are left as they are.
"""

from __future__ import annotations

from vigie.console.labels import ACTION_LABELS as ACTION_LABELS
from vigie.console.labels import INCIDENT_KIND_LABELS as INCIDENT_KIND_LABELS
from vigie.console.labels import INTENT_LABELS as INTENT_LABELS
from vigie.console.labels import URGENCY_LABELS as URGENCY_LABELS
from vigie.console.labels import VERDICT_LABELS as VERDICT_LABELS
from vigie.console.labels import topic_label as topic_label
from vigie.core.hours import MONTH_NAMES
from vigie.core.typography import NBSP, french_typography


def t(template: str, **values: object) -> str:
    """``template`` with French typography, then its ``{placeholders}`` filled (the values
    keep their own spelling)."""
    return french_typography(template).format_map({k: str(v) for k, v in values.items()})


def month_name(year: int, month: int) -> str:
    """``novembre 2026``."""
    return f"{MONTH_NAMES[month - 1]} {year}"


def quoted(text: str) -> str:
    """« text », with its no-break spaces."""
    return f"«{NBSP}{text}{NBSP}»"


TITLE = "Rapport mensuel de cybersécurité – {facility} – {month}"
SUBJECT = "Rapport mensuel de cybersécurité de Vigie – {month}"
SUBTITLE = "Établi par {provider} avec Vigie, le {today}."
PERIOD = "Période : du {first} au {last} (fuseau horaire {timezone})."

IN_SHORT = "En bref"
QUESTIONS = "Questions posées à Vigie : {n}"
ANSWERED = "Avec une réponse : {share} ({n})"
FALLBACK = "Non comprises : {n}"
OUT_OF_SCOPE = "Hors sujet : {n}"
TICKETS = "Demandes d’assistance ouvertes : {n}"
REPORTS = "Mails suspects signalés : {n}"
INCIDENTS = "Incidents et pertes déclarés : {n}"

WEEKS_CHART = "Questions par semaine"
WEEKS_NOTE = "Chaque barre : la semaine commençant le lundi indiqué."
TOPICS_CHART = "Sujets les plus demandés"
NO_QUESTION = "Aucune question ce mois-ci."

TICKETS_SECTION = "Demandes d’assistance"
TICKET_URGENCY = "Urgence {label} : {n}"
NO_TICKET = "Aucune demande ce mois-ci."
TICKETS_OPEN_NOW = "Encore en cours aujourd’hui (tous mois confondus) : {n}"
RESOLUTION_MEDIAN = "Délai médian de résolution : {hours} h"

REPORTS_SECTION = "Mails suspects"
REPORT_VERDICT = "Jugés {label} par l’analyse : {n}"
NO_REPORT = "Aucun mail suspect signalé ce mois-ci."
ACTIONS_TITLE = "Ce que les personnes avaient fait :"
REPORT_ACTION = "{label} : {n}"

CAMPAIGNS_SECTION = "Faux mails confirmés par {provider}"
NO_CAMPAIGN = "Aucun faux mail confirmé n’a visé l’établissement ce mois-ci."
CAMPAIGN_SUBJECT = "Objet : {subject}"
NO_SUBJECT = "(sans objet)"
CAMPAIGN_DETAILS = "Signalé {times} par l’établissement{sender}{warned}."
CAMPAIGN_SENDER = ", expéditeur {domain}"
CAMPAIGN_WARNED = ", personnel prévenu par Vigie"
CAMPAIGN_TELL_STAFF = (
    "À dire au personnel : ce mail est un faux ; ne cliquez sur rien, n’ouvrez pas la pièce "
    "jointe, supprimez-le, et si vous avez cliqué ou saisi un mot de passe, dites-le tout de "
    "suite à Vigie."
)

PREVENTION_SECTION = "Prévention"
TIPS_OPTED_IN = "Inscrits aux astuces de la semaine : {n} sur {staff} ({share} %)"
TIPS_SENT = "Astuces envoyées ce mois-ci : {n}"
QUIZZES = "Quiz terminés : {n}, par {people} personne(s), {share} % de bonnes réponses"
QUIZ_WEAKEST = "Sujets à retravailler : {topics}"
NO_QUIZ = "Aucun quiz terminé ce mois-ci : proposez /quiz à l’équipe."
DIAGNOSTIC_DONE = "Dernier autodiagnostic : {score} / 100, le {day}"
DIAGNOSTIC_NEVER = "Autodiagnostic jamais fait : la direction peut le faire avec /diagnostic."
INCIDENTS_SECTION = "Incidents"
INCIDENT_KIND = "{label} : {n}"
NO_INCIDENT = "Aucun incident ce mois-ci."
INCIDENTS_OPEN_NOW = "Non clos aujourd’hui (tous mois confondus) : {n}"

UNANSWERED_SECTION = "Questions restées sans réponse"
UNANSWERED_NOTE = (
    "Les {n} dernières au plus, telles qu’enregistrées (données personnelles masquées), "
    "sans le nom de qui les a posées."
)
NO_UNANSWERED = "Aucune."

ADVICE_SECTION = "Trois conseils pour le mois prochain"

FOOTER = "Vigie – {provider} – {month} – page {page} sur {pages}"

# --- Advice ----------------------------------------------------------------------------------
# Placeholders: {provider}, {portal}. See vigie.console.report.choose_advice for the rules.

ADVICE_CREDENTIALS = (
    "Un mot de passe a été saisi sur une page piégée : faites-le changer partout où il "
    "servait, et activez la double authentification (MFA) sur la messagerie et les logiciels "
    "accessibles depuis Internet."
)
ADVICE_INCIDENT = (
    "Un incident de sécurité a été déclaré : rappelez le réflexe à toute l’équipe, débrancher le câble "
    "réseau sans éteindre l’ordinateur, prévenir Vigie ou {provider} tout de suite, puis la "
    "direction, qui déclare les incidents graves sur {portal}."
)
ADVICE_LOST = (
    "Un appareil ou une carte a été perdu : rappelez qu’il faut le dire tout de suite à Vigie "
    "(un appareil peut être bloqué à distance, une carte CPS mise en opposition) et ne jamais "
    "laisser sa carte CPS dans le lecteur."
)
ADVICE_CLICKED = (
    "Des personnes ont cliqué sur un lien ou ouvert une pièce jointe piégée : rappelez qu’il "
    "faut le dire tout de suite, sans crainte d’être blâmé ; une alerte donnée vite évite le "
    "pire."
)
ADVICE_CAMPAIGN = (
    "Un faux mail a visé l’établissement : relayez l’alerte ci-dessus en réunion d’équipe et "
    "affichez-la en salle de pause."
)
ADVICE_FALLBACKS = (
    "Beaucoup de questions n’ont pas été comprises : montrez à l’équipe ce que Vigie sait "
    "faire (mots de passe, mails piégés, demandes d’assistance, incidents) ; les questions "
    "sans réponse nous aident à compléter ses réponses."
)
ADVICE_NO_REPORT = (
    "Aucun mail suspect n’a été signalé : rappelez comment faire, transférer le mail à Vigie "
    "ou lui en envoyer une capture d’écran, sans cliquer sur rien."
)
ADVICE_LITTLE_USE = (
    "Vigie a peu servi ce mois-ci : rappelez à l’équipe qu’on peut lui écrire à toute heure, "
    "avec ses mots, et affichez le lien d’inscription au poste de soins."
)
ADVICE_PASSWORDS = (
    "Mots de passe : un mot de passe différent par service, jamais partagé ni collé sur "
    "l’écran ; verrouillez la session (Windows + L) en quittant le poste."
)
ADVICE_MAILS = (
    "Mails : au moindre doute (urgence, pièce jointe inattendue, lien vers une page de "
    "connexion), ne cliquez pas et transférez le mail à Vigie."
)
ADVICE_UPDATES = (
    "Mises à jour : laissez les postes redémarrer pour les installer, et signalez à "
    "{provider} tout poste qui ne s’est pas mis à jour depuis longtemps."
)
