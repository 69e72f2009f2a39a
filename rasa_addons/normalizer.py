"""A whitespace tokenizer that normalises how care staff type, for Vigie's NLU.

Messages are short, typed on a phone, without accents, with SMS abbreviations ("mdp", "pc",
"c koi", "jsp"), stretched letters ("au secouuurs") and several spellings of the same word
("mél", "courriel", "e-mail"). ``NormalizingTokenizer`` splits a message like Rasa's
``WhitespaceTokenizer``, then rewrites each token: lower case, accents folded, repeated
letters collapsed, abbreviations expanded, variant spellings unified. The message text itself
is left untouched (actions and logs see what the user typed); only the tokens the featurizers
read are normalised, and each keeps the character offsets of the word it came from.

``normalize_text`` applies the same rewriting to a string; it needs no Rasa, so it can be
unit-tested from the application environment. The Rasa component is defined only when Rasa is
importable (the Rasa server and trainings run with ``rasa_addons`` on ``PYTHONPATH``).
"""

import re
import unicodedata
from typing import Dict, List, Tuple

# One token -> its replacement (one or more words). Keys are already lower case, without
# accents and without repeated letters.
ABBREVIATIONS: Dict[str, str] = {
    # passwords, devices
    "mdp": "mot de passe",
    "mdps": "mots de passe",
    "pwd": "mot de passe",
    "pc": "ordinateur",
    "pcs": "ordinateurs",
    "ordi": "ordinateur",
    "ordis": "ordinateurs",
    "tel": "telephone",
    "tels": "telephones",
    "tph": "telephone",
    "pj": "piece jointe",
    "pjs": "pieces jointes",
    "maj": "mise a jour",
    "majs": "mises a jour",
    "clef": "cle",
    "clefs": "cles",
    # e-mail spellings
    "mel": "mail",
    "mels": "mails",
    "email": "mail",
    "emails": "mails",
    "courriel": "mail",
    "courriels": "mails",
    "emel": "mail",
    # misspelt threats
    "fishing": "phishing",
    "hameconage": "hameconnage",
    "hamesonnage": "hameconnage",
    "hamesonage": "hameconnage",
    "rancongicielle": "rancongiciel",
    "rancongicielles": "rancongiciel",
    "rancongiciels": "rancongiciel",
    "rensongiciel": "rancongiciel",
    "virusse": "virus",
    # SMS style
    "c": "c est",
    "cest": "c est",
    "koi": "quoi",
    "kwa": "quoi",
    "jsp": "je sais pas",
    "jsais": "je sais",
    "chui": "je suis",
    "chuis": "je suis",
    "jsuis": "je suis",
    "jpeux": "je peux",
    "jvais": "je vais",
    "jai": "j ai",
    "g": "j ai",
    "ya": "il y a",
    "stp": "svp",
    "stpl": "svp",
    "svpl": "svp",
    "bcp": "beaucoup",
    "bcq": "beaucoup",
    "pb": "probleme",
    "pbs": "problemes",
    "pbm": "probleme",
    "pblm": "probleme",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "qqn": "quelqu un",
    "qqun": "quelqu un",
    "qqch": "quelque chose",
    "qqc": "quelque chose",
    "tt": "tout",
    "tjs": "toujours",
    "tjrs": "toujours",
    "ds": "dans",
    "pr": "pour",
    "dc": "donc",
    "ki": "qui",
    "ke": "que",
    "kel": "quel",
    "kelle": "quelle",
    "qd": "quand",
    "kan": "quand",
    "auj": "aujourd hui",
    "ajd": "aujourd hui",
    "aujd": "aujourd hui",
    "rdv": "rendez vous",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "slt": "salut",
    "mrc": "merci",
    "mci": "merci",
    "dsl": "desole",
}

# Two consecutive tokens -> one word (after the single-token rewriting).
PHRASES: Dict[Tuple[str, str], str] = {
    ("anti", "virus"): "antivirus",
    ("wi", "fi"): "wifi",
    ("e", "mail"): "mail",
    ("e", "mails"): "mails",
    ("e", "cps"): "ecps",
}

_QUOTES = re.compile(r"[’‘`´'\"«»“”]")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_SPLIT = re.compile(r"[^\w@#&.-]+")


def fold(word: str) -> str:
    """Lower case, accents removed, ligatures expanded, letters typed 3+ times kept once."""
    word = word.lower().replace("œ", "oe").replace("æ", "ae")
    word = unicodedata.normalize("NFKD", word)
    word = "".join(char for char in word if not unicodedata.combining(char))
    return _REPEATS.sub(r"\1", word)


def normalize_words(words: List[str]) -> List[Tuple[str, int]]:
    """Normalise tokens; each output word comes with the index of the token it came from."""
    out: List[Tuple[str, int]] = []
    for index, word in enumerate(words):
        folded = fold(_QUOTES.sub(" ", word))
        for part in folded.replace("-", " ").split():
            part = part.strip(".")
            if not part:
                continue
            for expanded in ABBREVIATIONS.get(part, part).split():
                out.append((expanded, index))
    merged: List[Tuple[str, int]] = []
    for word, index in out:
        if merged and merged[-1][0] == word == "est":  # "c'est" -> "c" "est" -> "c est est"
            continue
        if merged and (merged[-1][0], word) in PHRASES:
            merged[-1] = (PHRASES[(merged[-1][0], word)], merged[-1][1])
        else:
            merged.append((word, index))
    return merged


def normalize_text(text: str) -> str:
    """The normalised form of a message, as the featurizers see it."""
    words = [word for word in _SPLIT.split(_QUOTES.sub(" ", text)) if word]
    return " ".join(word for word, _ in normalize_words(words))


try:
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.nlu.tokenizers.tokenizer import Token
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message
except ModuleNotFoundError as error:  # the application's environment has no Rasa
    if error.name is None or not error.name.startswith("rasa"):
        raise
else:

    @DefaultV1Recipe.register(
        DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
    )
    class NormalizingTokenizer(WhitespaceTokenizer):
        """``WhitespaceTokenizer`` whose tokens of the user's text are normalised."""

        def tokenize(self, message: Message, attribute: str) -> List[Token]:
            tokens = super().tokenize(message, attribute)
            if attribute != TEXT:
                return tokens
            normalized = normalize_words([token.text for token in tokens])
            if not normalized:
                return tokens
            return [
                Token(word, tokens[index].start, tokens[index].end)
                for word, index in normalized
            ]
