"""French texts of the analyser: verdicts and the explanation of each signal.

French typography: a no-break space (U+00A0) before « : ; ! ? » and inside « », and the curly
apostrophe ’.
"""

from __future__ import annotations

from vigie.core.typography import NBSP, truncate
from vigie.phishing.mailcheck.trusted import visible

__all__ = [
    "LOOKALIKE_KINDS",
    "MACRO_ACTIONS",
    "SIGNALS",
    "VERDICT_LABELS",
    "VERDICT_SUMMARIES",
    "explain",
    "quote",
]


VERDICT_LABELS: dict[str, str] = {
    "dangereux": "Dangereux",
    "douteux": "Douteux",
    "sans_danger": "Probablement sans danger",
}

VERDICT_SUMMARIES: dict[str, str] = {
    "dangereux": (
        f"Ce message présente des signes nets d’hameçonnage{NBSP}: ne cliquez sur aucun lien, "
        "n’ouvrez pas les pièces jointes et ne répondez pas."
    ),
    "douteux": (
        f"Ce message présente des signes suspects{NBSP}: ne cliquez pas et ne répondez pas avant "
        "d’avoir vérifié auprès de l’expéditeur par un autre moyen (son numéro habituel)."
    ),
    "sans_danger": (
        f"Aucun signe net d’hameçonnage n’a été trouvé, mais restez prudent{NBSP}: en cas de doute, "
        "vérifiez auprès de l’expéditeur par un autre moyen, et ne saisissez jamais un mot de "
        "passe ou un code sur une page ouverte depuis un e-mail."
    ),
}

PICTURE_CAVEAT = (
    f"Sur une photo ou une capture d’écran, je ne vois ni la vraie adresse des liens ni les "
    f"pièces jointes{NBSP}: si vous le pouvez, envoyez aussi le mail lui-même en fichier .eml "
    "(📎)."
)

NO_SIGNAL = "Aucun des signes habituels d’hameçonnage n’a été repéré dans ce message."

LOOKALIKE_KINDS: dict[str, str] = {
    "homoglyph": "caractères qui se ressemblent",
    "punycode": "caractères étrangers déguisés",
    "typosquat": "faute de frappe volontaire",
    "extension": "même nom, autre extension",
    "extra_words": "mots ajoutés au nom",
}

SIGNALS: dict[str, str] = {
    "display_name_brand": (
        "L’expéditeur se présente comme {name}, mais son adresse est en {domain}, qui "
        "n’appartient pas à cet organisme."
    ),
    "display_name_address": (
        "Le nom affiché montre l’adresse {shown}, mais le message vient en réalité de {real}."
    ),
    "freemail_role": (
        "L’expéditeur se présente comme un service, une direction ou un organisme ({name}), "
        "mais écrit depuis une messagerie gratuite ({domain})."
    ),
    "reply_to_other": (
        "Les réponses partiraient vers une autre adresse ({reply}) que celle de l’expéditeur "
        "({domain})."
    ),
    "random_mailboxes": (
        f"L’adresse d’envoi ({{sender}}) et l’adresse de retour technique ({{back}}) sont deux "
        f"suites de caractères tirées au hasard{NBSP}: l’expéditeur change de boîte à chaque "
        "envoi, procédé des envois en masse qui cherchent à échapper aux filtres."
    ),
    "reply_to_other_mailbox": (
        f"Le message vient de la messagerie gratuite {{sender}}, mais les réponses partiraient "
        f"vers une autre boîte gratuite ({{reply}}){NBSP}: le vrai correspondant se cache."
    ),
    "return_path_other": (
        "L’adresse de retour technique ({domain}) est d’un autre domaine que l’expéditeur."
    ),
    "auth_fail": (
        f"Le serveur de réception signale un échec d’authentification de l’expéditeur "
        f"({{details}}){NBSP}: l’adresse a pu être usurpée."
    ),
    "lookalike_sender": "L’adresse d’envoi utilise le domaine {host}, qui imite {target} ({kind}).",
    "lookalike_link": "Un lien mène vers {host}, qui imite {target} ({kind}).",
    "link_mismatch": "Un lien affiche {shown} mais mène en réalité vers {real}.",
    "link_userinfo": (
        f"Un lien cache sa vraie destination derrière un «{NBSP}@{NBSP}»{NBSP}: il mène vers {{real}}."
    ),
    "url_shortener": (
        f"Un lien passe par un raccourcisseur d’adresse ({{host}}){NBSP}: sa vraie destination est "
        "cachée."
    ),
    "ip_link": "Un lien mène directement vers une adresse IP ({host}) et non vers un nom de site.",
    "free_hosting": (
        "Un lien mène vers un hébergement gratuit ou un formulaire en ligne ({host}), souvent "
        "utilisé pour les fausses pages de connexion."
    ),
    "script_link": "Un lien contient du code ou une page cachée ({scheme}).",
    "html_form": (
        f"Le message contient un formulaire à remplir{NBSP}: un vrai organisme ne fait jamais "
        "saisir d’informations dans un e-mail."
    ),
    "html_script": "Le message contient du code (script) caché.",
    "attachment_executable": (
        f"La pièce jointe {{name}} est un programme ou un script{NBSP}: l’ouvrir peut installer un "
        "logiciel malveillant."
    ),
    "attachment_disguised": (
        f"La pièce jointe {{name}} n’est pas ce que son nom annonce{NBSP}: c’est en réalité un "
        "fichier {kind}."
    ),
    "attachment_bidi": (
        f"Le nom de la pièce jointe {{name}} contient un caractère invisible qui inverse son "
        f"affichage{NBSP}: c’est en réalité un fichier .{{ext}}."
    ),
    "attachment_double_extension": (
        "La pièce jointe {name} cache sa vraie nature derrière une double extension."
    ),
    "attachment_macro": (
        "La pièce jointe {name} est un document avec macros, moyen classique d’installer un "
        "logiciel malveillant."
    ),
    "macro_autoexec_payload": (
        f"La macro de la pièce jointe {{name}} se lance toute seule ({{trigger}}) et {{what}}{NBSP}: "
        "c’est ainsi que s’installent les logiciels malveillants, n’ouvrez pas ce document."
    ),
    "macro_payload": (
        f"La macro de la pièce jointe {{name}} {{what}}{NBSP}: un document ordinaire n’a pas "
        "besoin de cela."
    ),
    "macro_autoexec": (
        "La macro de la pièce jointe {name} se lance toute seule à l’ouverture ou à la "
        "fermeture du document ({trigger})."
    ),
    "macro_indicator": (
        "La macro de la pièce jointe {name} contient une adresse ou un nom de programme ({ioc})."
    ),
    "attachment_disk_image": (
        "La pièce jointe {name} est une image disque, souvent utilisée pour faire passer un "
        "programme malveillant."
    ),
    "attachment_shortcut": (
        f"La pièce jointe {{name}} est un raccourci{NBSP}: l’ouvrir peut lancer un programme."
    ),
    "attachment_html": (
        f"La pièce jointe {{name}} est une page web{NBSP}: elle peut afficher une fausse page de "
        "connexion."
    ),
    "attachment_archive_risky": "L’archive {name} contient un fichier dangereux ({inner}).",
    "attachment_archive_encrypted": (
        "L’archive {name} est protégée par un mot de passe, ce qui empêche l’antivirus de "
        "l’examiner."
    ),
    "attachment_archive": (
        f"La pièce jointe {{name}} est une archive{NBSP}: son contenu n’a pas pu être examiné."
    ),
    "attachment_active_pdf": (
        "Le PDF {name} contient du code ou des actions qui se lancent à l’ouverture."
    ),
    "pressure": (
        f"Le message met la pression ({{terms}}){NBSP}: c’est la méthode habituelle pour pousser "
        "à agir sans réfléchir."
    ),
    "credentials_request": (
        "Le message demande de saisir ou de communiquer un mot de passe, un code ou des "
        "informations personnelles ou bancaires."
    ),
    "account_check": (
        "Le message demande de vérifier, confirmer ou réactiver un compte ou des informations."
    ),
    "payment_change": (
        f"Le message annonce un changement de coordonnées bancaires (RIB){NBSP}: à vérifier "
        "toujours par téléphone, au numéro habituel."
    ),
    "payment_request": "Le message demande un paiement, des frais ou un virement.",
    "ceo_fraud": (
        f"Le message demande un virement ou des cartes cadeaux en toute discrétion{NBSP}: c’est la "
        f"méthode de la «{NBSP}fraude au président{NBSP}»."
    ),
    "secrecy_request": (
        f"Le message demande de la discrétion et évite le téléphone{NBSP}: c’est l’entrée en "
        f"matière de la «{NBSP}fraude au président{NBSP}»."
    ),
    "refund_lure": (
        "Le message promet un remboursement ou une somme à récupérer, appât classique des faux "
        "organismes."
    ),
    "parcel_lure": "Le message parle d’un colis bloqué ou en attente, appât classique.",
    "brand_mismatch": (
        "Le message se présente comme venant de {brand}, mais ni l’expéditeur ni les liens "
        "n’appartiennent à cet organisme."
    ),
    "bad_sender": "L’adresse de l’expéditeur est absente ou mal formée.",
    "obfuscated_text": (
        f"Le nom de l’expéditeur ou l’objet est écrit avec des caractères déguisés ({{what}}){NBSP}: "
        "une ruse pour tromper l’œil et les filtres."
    ),
    "sender_free_hosting": (
        "Le message est envoyé depuis {domain}, une plateforme d’hébergement gratuite où "
        "n’importe qui peut créer une adresse."
    ),
    "redirect_link": (
        f"Un lien passe par {{host}} pour rediriger vers {{real}}{NBSP}: sa vraie destination est "
        "cachée."
    ),
    "executable_link": (
        f"Un lien télécharge un programme ou un fichier à risque ({{name}}){NBSP}: ne l’ouvrez pas."
    ),
    "remote_control_request": (
        f"Le message demande d’installer un logiciel de prise en main à distance ou de "
        f"communiquer un code{NBSP}: c’est ainsi que de faux techniciens prennent le contrôle "
        "d’un poste."
    ),
    "account_lure": (
        f"Le message annonce un compte suspendu, bloqué ou à vérifier{NBSP}: appât classique "
        "pour faire saisir ses identifiants."
    ),
    "prize_lure": ("Le message promet un gain, une récompense ou un cadeau, appât classique."),
    "qr_link": (
        f"Le message contient un QR code qui mène vers {{host}}{NBSP}: on ne scanne jamais un QR "
        "code reçu par mail, il fait sortir des protections de l’établissement."
    ),
    "recipient_in_subject": (
        f"L’objet, le nom affiché ou la salutation reprend votre propre adresse e-mail{NBSP}: "
        "procédé courant "
        "des envois frauduleux en masse."
    ),
    "display_name_domain": (
        "Le nom affiché annonce le site {shown}, mais le message vient en réalité de {real}."
    ),
    "suspicious_tld": (
        "L’adresse d’envoi ou un lien utilise une extension de domaine très prisée des "
        "fraudeurs ({host})."
    ),
    "hidden_text": (
        f"Le message cache du texte ou de la mise en page hors de la vue{NBSP}: une ruse pour "
        "tromper les filtres."
    ),
    "scam_offer": (
        "Le message vante un gain facile (casino, cryptomonnaie, placement, prêt, produit "
        "miracle), appât classique des arnaques."
    ),
    "sender_mismatch": (
        f"L’expéditeur se présente comme {{name}} mais écrit depuis {{domain}}, sans rapport, et "
        f"ses liens mènent encore ailleurs{NBSP}: c’est la signature des envois en masse "
        "frauduleux."
    ),
    "foreign_lure": (
        f"Le message reprend les formules des arnaques courantes ({{terms}}){NBSP}: gains, compte "
        "bloqué ou identifiants à donner."
    ),
    "advance_fee": (
        f"Le message promet une grosse somme (héritage, don, fonds en souffrance) contre votre "
        f"aide{NBSP}: c’est l’arnaque «{NBSP}à l’avance de frais{NBSP}», qui finit toujours par "
        "réclamer de l’argent ou vos coordonnées."
    ),
    "callback_scam": (
        f"Le message annonce un achat ou un renouvellement à votre nom et donne un numéro à "
        f"appeler pour l’annuler{NBSP}: c’est l’arnaque au faux service client, n’appelez pas ce "
        "numéro."
    ),
    "extortion": (
        f"Le message prétend que votre appareil a été piraté et réclame de l’argent{NBSP}: c’est "
        "un chantage sans fondement, ne payez pas et ne répondez pas."
    ),
    "cpf_lure": (
        f"Le message parle de droits à la formation (CPF) à utiliser ou qui expirent{NBSP}: "
        "arnaque très répandue, Mon Compte Formation n’écrit pas ainsi."
    ),
    "too_large": (
        f"Le message est trop volumineux pour être analysé en entier (plus de {{mb}}{NBSP}Mo){NBSP}: "
        "seuls les en-têtes ont été examinés."
    ),
    "incomplete": (
        f"Le message est d’une complexité anormale ({{what}}){NBSP}: l’analyse est partielle."
    ),
}

# What a macro does, completing « La macro de la pièce jointe … » (``macros.macro_signals``).
MACRO_ACTIONS: dict[str, str] = {
    "payload": "peut télécharger ou lancer un programme ({keywords})",
    "obfuscation": "cache une partie de son contenu sous un codage ({keywords})",
    "ioc": "contient l’adresse ou le programme {ioc}",
    "helpers": "commande d’autres programmes ({keywords})",
}

INCOMPLETE_REASONS: dict[str, str] = {
    "too_deep": "imbrication trop profonde",
    "too_many_parts": "trop de parties",
    "headers_truncated": "en-têtes démesurés",
    "time_budget": "temps d’analyse dépassé",
    "parse_error": "structure illisible",
    "text_truncated": "texte trop long, lu en partie",
    "too_many_links": "trop de liens, les derniers non examinés",
    "zip_truncated": "archive aux fichiers trop nombreux, les autres inconnus",
    "macro_truncated": "macros trop longues, lues en partie",
}


def quote(text: str, max_chars: int = 80) -> str:
    """« text » with French no-break spaces, shortened, its invisible and bidirectional control
    characters removed (they could reverse what the person reads)."""
    return f"«{NBSP}{truncate(visible(text), max_chars)}{NBSP}»"


def explain(code: str, **values: str) -> str:
    """The French explanation of a signal."""
    return SIGNALS[code].format(**values)
