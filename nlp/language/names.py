"""What names and personal data look like in French local-authority documents.

Word lists (common given names, the words of a function, of a place, of a body) and the
patterns of postal addresses, phone numbers, e-mail addresses and birth dates that
:mod:`nlp.language.pseudonymise` reads with. Kept as code rather than files so that the library
does no hidden I/O. The given names are the common ones of France, of the generations
that sit on councils and of those born since; a name outside the list is still found
after a civility title or in capitals.
"""

from __future__ import annotations

import re
import unicodedata


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FIRST_NAMES = """
Adam Adèle Adrien Agathe Agnès Aimé Aimée Alain Alban Albert Albertine Alexandra
Alexandre Alexis Alfred Alice Aline Alix Amandine Amaury Ambre Amélie Anaïs Andrée André
Ange Angèle Angélique Anne Annette Annick Annie Anthony Antoine Antoinette Antonin
Apolline Arielle Armand Arnaud Arthur Aubin Audrey Augustin Aurélie Aurélien Aurore Axel
Baptiste Barbara Bastien Béatrice Benjamin Benoît Benoit Bérangère Bernadette Bernard
Bertrand Blanche Brigitte Bruno Camille Capucine Carine Carole Caroline Catherine Cécile
Céline Chantal Charles Charlotte Chloé Christelle Christian Christiane Christine
Christophe Claire Clara Claude Claudette Claudine Clément Clémence Colette Coralie
Corinne Cyril Cyrille Damien Daniel Danielle Danièle David Delphine Denis Denise Didier
Dominique Dorian Dorothée Edith Édith Edmond Édouard Edouard Éléonore Eléonore Élise
Elise Élodie Elodie Éloïse Emma Emmanuel Emmanuelle Éric Eric Ernest Estelle Éthan
Étienne Etienne Eugène Eugénie Éva Eva Évelyne Evelyne Fabien Fabienne Fabrice Fanny
Félix Fernand Fernande Flavie Florence Florent Florian Francine Francis Franck François
Françoise Frédéric Frédérique Gabin Gabriel Gabrielle Gaël Gaëlle Gaétan Gaëtan Garance
Gaston Gautier Geneviève Georges Georgette Gérald Gérard Germaine Ghislaine Gilbert
Gilberte Gilles Ginette Gisèle Grégoire Grégory Guillaume Guy Guylaine Hélène Henri
Henriette Hervé Hubert Hugo Hugues Inès Ingrid Irène Isabelle Jacqueline Jacques Jade
Jean Jeanne Jean-Baptiste Jean-Claude Jean-François Jean-Louis Jean-Luc Jean-Marc
Jean-Marie Jean-Michel Jean-Paul Jean-Philippe Jean-Pierre Jérémy Jérôme Jessica Joël
Joëlle Jonathan Jordan Joseph Josette Josiane Jules Julie Julien Juliette Justine Karine
Kévin Kevin Laetitia Lætitia Laura Laure Laurence Laurent Léa Léo Léon Léonie Liliane
Line Lionel Lisa Loïc Lola Louis Louise Loïs Luc Lucas Lucie Lucien Lucienne Ludovic
Lydie Madeleine Maël Maëlle Maëva Manon Marc Marcel Marcelle Margaux Margot Marguerite
Maria Marianne Marie Marie-Christine Marie-Claire Marie-France Marie-Hélène Marie-Laure
Marie-Paule Marie-Pierre Marie-Thérèse Marine Marion Martial Martine Mathéo Mathias
Mathieu Mathilde Matthieu Maud Maurice Maxence Maxime Mélanie Mélissa Michel Michèle
Micheline Mickaël Mireille Monique Muriel Murielle Myriam Nadège Nadine Nadia Nathalie
Nathan Nicolas Nicole Noël Noémie Noëlle Océane Odette Odile Olivier Pascal Pascale
Patrice Patricia Patrick Paul Paule Paulette Pauline Perrine Philippe Pierre Pierre-Yves
Quentin Rachel Raphaël Raphaëlle Raymond Raymonde Régine Régis Rémi Rémy Renaud René
Renée Richard Robert Roger Roland Romain Rose Rosine Sabine Sabrina Sacha Samuel
Sandrine Sarah Sébastien Serge Simon Simone Solange Solène Sophie Stéphane Stéphanie
Steve Steven Cédric Jérémie Dylan Enzo Kylian Mathis Noah Louna Lina Jennifer Cindy
Mélodie Sonia Jacky Johnny Freddy Guillain Joachim Laëtitia Michaël Mickael Thibaud
Anne-Marie Anne-Sophie Marie-Alice Jean-Jacques Jean-Yves Jean-Noël Jean-Charles
Pierre-Louis Marie-José Marie-Noëlle Marie-Odile Suzanne Suzette Sylvain Sylvaine Sylvie
Tanguy Théo Théodore Thérèse Thibaut Thibault Thierry Thomas Timothée Tom Tristan
Valentin Valérie Valentine Vanessa Véronique Victor Victoire Vincent Virginie Viviane
Xavier Yann Yannick Yvette Yves Yvon Yvonne Zoé Léna Malo Noa Lilou Nino Timéo Lény
Louison Lya Mila Alba Iris Romy Nina Lou Anna Éden Naël Marius Isaac Gaspard Aaron Ethan
Liam Noé Milo Côme Soan Thiago Elio Lyam Ézio Lenny Rachid Karim Mohamed Mohammed Ahmed
Fatima Samir Youssef Mehdi Sofiane Leïla Leila Yasmina Amina Malik Nabil Farid Kamel
Hakim Saïd Ali Omar Ibrahim Moussa Mamadou Aïcha Khadija Gwenaël Gwenaëlle Erwan Ronan
Goulven Morgane Nolwenn Enora Solenn Gwendoline Maïwenn Tugdual Killian Brieuc Corentin
Mathurin Yannig Katell Soizic Anaëlle Clotilde Ghislain Hortense
"""

#: Words that name a function: a capitalised word among them ends a name read after a
#: civility title ("M. Perrin Maire" is Perrin, the mayor).
FUNCTION_WORDS = _words(
    """
    absent absente adjoint adjointe adjointes adjoints conseiller conseillers conseillère
    conseillères dgs directeur directrice délégué déléguée délégués député députée excusé
    excusée l' la le les maire pouvoir procuration préfet préfète présent présente président
    présidente rapporteur rapporteure secrétaire sous-préfet sénateur sénatrice trésorier
    trésorière vice-président vice-présidente
    """
)

#: Words that make the name after them a place or a building named after a person
#: ("rue Victor Hugo", "école Jules Ferry"): such names are kept.
PLACE_WORDS = _words(
    """
    allée allées av avenue bd bibliothèque boulevard centre chemin cinéma cité collège
    complexe cours crèche ehpad espace esplanade fondation foyer groupe gymnase halle halles
    hameau hôpital impasse institut jardin jardins lotissement lycée maison musée
    médiathèque parc parvis passage piscine place pont port prix promenade pôle quai
    quartier rond-point route rue résidence salle salles sentier square stade théâtre voie
    école écoles
    """
)

#: Words that make the name after them a company or a body ("SARL Girard"): kept.
BODY_WORDS = _words(
    """
    agence amicale ambulances association atelier ateliers auberge boucherie boulangerie
    cabinet clinique club comité earl entreprise entreprises ets eurl gaec garage groupe
    imprimerie librairie menuiserie pharmacie restaurant sa sarl sas sasu sci scp selarl snc
    société studio sté syndicat taxis transports établissements
    """
)

#: Local parts of e-mail addresses that name a service, not a person: kept.
SERVICE_MAILBOXES = _words(
    """
    accueil administration assistance bibliotheque cabinet cantine ccas communication compta
    comptabilite contact courrier culture dgs direction dpo ecole etat-civil etatcivil
    finances info information infos jeunesse mairie marches mediatheque ne-pas-repondre
    no-reply noreply numerique periscolaire presse rgpd rh scolaire secretariat secrétariat
    service services social sport sports support technique tourisme urbanisme webmaster
    """
)


# Patterns. Letters: upper and lower case of French (Latin-1 and the ligatures).
UP = "A-ZÀ-ÖØ-ÞŒÆŸ"
LOW = "a-zß-öø-ÿœæ"
CAP = rf"(?:[{UP}]['’])?[{UP}][{LOW}]+(?:-[{UP}][{LOW}]+)*"
UPPER = rf"(?:[{UP}]['’])?[{UP}]{{2,}}(?:-[{UP}]{{2,}})*"
INITIAL = rf"[{UP}]\.(?:-[{UP}]\.)?"
#: A surname in capitals glued to the given name after it, the space lost in the text
#: layer: "BRUNETJean-Marie".
GLUED = rf"[{UP}]{{2,}}[{UP}][{LOW}]+(?:-[{UP}][{LOW}]+)*"
#: One word of a name: an initial, a capitalised word, or a word in capitals.
TOKEN = rf"(?:{INITIAL}|{CAP}|{GLUED}|{UPPER})"
PARTICLE = r"(?:(?:de la|de|du|des|van der|van|von|ben|el|di|da|dos)\s+|d['’]|l['’])"
#: A name of one to four words ("Jean-Claude de la TOUR").
NAME = rf"{TOKEN}(?:(?:\s+{PARTICLE}?|\s*{PARTICLE}){TOKEN}){{0,3}}"
CIVILITY = (
    # OCR misreadings of scanned minutes: "M, BESSET", "Madarne", "Monsleur"
    r"(?:M[,;](?=\s*[A-Z])|Mad(?:arn|acn|amn|ain)e|M[o0]ns[il1]eur|Messieur"
    # "Mmes et Ms Roux - Petit": "Ms" is the plural of "M." in some attendance lists
    r"|M\.|MM\.|Mr\.?|Ms\.?(?=\s)|Mme\.?|Mmes\.?|Mlle\.?|Mlles\.?|Melle\.?|Monsieur|Messieurs|Madame"
    r"|Mesdames|Mademoiselle|Maîtres|Maître|Me|Dr\.?|Docteurs|Docteur|Pr\.?|Professeur"
    # in running text some minutes write "cède la parole à monsieur Philippe Mallard"
    r"|monsieur|madame|mademoiselle|messieurs|mesdames)"
)

MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre"
    "|novembre|décembre|decembre"
)
_DATE = rf"\d{{1,2}}(?:er)?\s+(?:{MONTHS})\s+\d{{4}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
BIRTH_DATE = re.compile(
    rf"(?:\bn[ée]e?s?\s+le|date de naissance\s*:?|\bné(?:e|s|es)?\s+en)\s+"
    rf"(?P<value>{_DATE}|\d{{4}})",
    re.IGNORECASE,
)
#: Births listed in a magazine's état civil: their days are birth dates.
BIRTHS = re.compile(r"\bnaissances?\b", re.IGNORECASE)
DAY = re.compile(rf"\b\d{{1,2}}(?:er)?\s+(?:{MONTHS})(?:\s+\d{{4}})?\b", re.IGNORECASE)
PHONE = re.compile(
    r"(?<![\d+])(?P<value>(?:(?:\+|00)33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:[\s.\-]?\d{2}){4})(?!\d)"
)
EMAIL = re.compile(r"(?P<value>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_STREET = (
    r"rue|avenue|av\.|boulevard|bd|place|allée|impasse|chemin|route|quai|square|cours|voie|sentier"
    r"|passage|hameau|lotissement|résidence|cité|rond-point|faubourg|ruelle|venelle|clos|domaine"
    r"|sente|villa|parc"
)
_LINK = r"(?:de la|de l['’]|des|du|de|d['’]|la|le|les|l['’]|aux|au|à la|à|sur|sous|en)"
_TOWN = rf"[{UP}][\w'’-]*(?:[ -](?:[{UP}][\w'’-]*|sur|sous|en|les|lès|le|la))*"
#: A house number and street (with its postcode and town when they follow), or a
#: lieu-dit.
ADDRESS = re.compile(
    rf"(?P<value>\b\d{{1,4}}(?:\s?(?:bis|ter|quater|[A-Da-d]))?\b,?\s+(?i:{_STREET})\b"
    rf"(?:\s+(?:{_LINK}\s*)?"
    rf"(?:[{UP}0-9][\w'’-]*|(?:(?<=des )|(?<=du )|(?<=de la ))[{LOW}][\w'’-]*)){{1,6}}"
    rf"(?:,?\s+\d{{5}}\s+{_TOWN})?)"
    rf"|(?P<lieu>(?:\b\d{{1,4}},?\s+)?\b(?i:lieu[- ]dit)\s*:?\s*[«“\"]?\s*[{UP}][\w'’-]*"
    rf"(?:\s+(?:(?:de|du|des|la|le|les)\s+)?[{UP}][\w'’-]*){{0,3}})",
)
#: Words just before an address that make it a body's premises, not a person's home.
PREMISES = re.compile(
    r"\b(?:siège(?: social)?|locaux|bureaux|mairie|hôtel de ville|accueil|permanences?"
    r"|médiathèque|agence|antenne|maison France Services)\b[^.;]{0,40}$",
    re.IGNORECASE,
)
#: What follows "demeurant", "domicilié à": a person's place of residence, to the next
#: comma, full stop or postcode.
RESIDENCE = re.compile(
    r"\b(?:demeurant|domicilié(?:e|s|es)?|résidant)\s+(?:au|à la|à l['’]|à|aux|:)?\s*"
    r"(?P<value>[^,;.()]{3,80}?)(?=\s*(?:[,;.()]|\d{5}\b|$))",
    re.IGNORECASE,
)

# Who is an official: the minutes' attendance lists, functions and speakers.
ATTENDANCE = re.compile(
    # not the vote's "à l'unanimité des membres présents et représentés"
    r"\b(?:(?:présents?|présentes?|étaient présents)(?!\s+(?:et|ou)\s+représenté)|absents?"
    r"|absentes?|excusée?s?|pouvoirs?|procurations?|suppléants?|titulaires?"
    r"|représentée?s?\s*:|secrétaire de séance|donnée? pouvoir|donne pouvoir"
    r"|membres? (?:en exercice|présents(?!\s+(?:et|ou)\s+représenté))"
    r"|assistaient|votants?\s*:|conseillers (?:présents|municipaux présents))\b",
    re.IGNORECASE,
)
_FUNCTION = (
    # staff grades ("adjoint technique") and an association's president are not offices
    r"(?:(?:1er|1ère|première|premier|\w+ième)\s+)?(?:maire"
    r"|adjointe?s?(?! (?:technique|administrati|d'animation|du patrimoine))"
    r"|conseill\w+|vice-présidente?|présidente?(?= (?:de séance|du conseil|de la communauté"
    r"|de l'agglo|du syndicat|de la région|du département|de la commission|de la métropole"
    r"|du pays|du pôle|du parc|de l'EPCI|du SI\w*|du SM\w*))"
    r"|délégué\w*|référente?s?|rapporteu\w+|dgs|directeur|directrice|secrétaire"
    r"|chef(?:fe)?\s+(?:de|du|d['’])"
    r"|élue?s?\b|trésori\w+|questeur|receveur\w*|comptable public"
    # offices of other bodies: a senator or a prefect asked for a grant acts as such
    r"|sénat(?:eur|rice)|député\w*|(?:sous-)?préf(?:et|ète))"
)
#: An election, installation or designation said of the person: "a été proclamée deuxième
#: adjointe", "sont désignées en tant que déléguées".
_OFFICE_VERB = (
    r"(?:(?:est|sont|a été|ont été)\s+)?(?:(?:proclamée?s?|élue?s?|installée?s?|désignée?s?)\s+)?"
    r"(?:en qualité de\s+|en tant que\s+|comme\s+)?"
)
#: A function qualified as new or former ("Jacques Thibaut, nouveau receveur municipal").
_OFFICE_AGE = r"(?:(?:nouvel(?:le)?|nouveau|ancien(?:ne)?|futur(?:e)?)\s+)?"
FUNCTION_AFTER = re.compile(
    rf"^\s*(?:,|\(|-|–|:)?\s*{_OFFICE_VERB}{_OFFICE_AGE}{_FUNCTION}", re.IGNORECASE
)
FUNCTION_BEFORE = re.compile(
    rf"(?:{_FUNCTION}\s*(?:,|:|-|–|\()?|présidence de|démission de"
    rf"|(?:abstentions?|contre|pour)\s*[»\"]?\s*(?::|\()[^();]*?)\s*(?:{CIVILITY}\s+)?$",
    re.IGNORECASE,
)
SPEAKER = re.compile(
    # a question asked in the meeting ("demande si", not "demande une aide")
    r"^\s*,?\s*(?:demandent? (?:si|s['’]|quel|quand|pourquoi|comment|combien|où|des précisions"
    r"|des renseignements|la parole)|ne (?:prend|prenant|prennent|participe|participant"
    r"|participent) pas (?:part )?au vote|présente|expose|rappelle|indique|précise|propose"
    r"|répond|informe|explique"
    r"|souligne|donne lecture|remercie|intervient|ajoute|rapporte|annonce|constate|confirme"
    r"|évoque|conclut|quitte|rejoint|prend la parole|s'abstient|s’abstient|vote|regrette"
    r"|estime|interroge|s'interroge|s’interroge|fait part|fait remarquer|fait savoir|soumet"
    r"|donne la parole|ouvre la séance|lève la séance|déclare|accueille|salue)\b",
    re.IGNORECASE,
)
#: A given name alone ("explique Lucie", "les cent ans d'Yvonne"); at the head of a
#: sentence only when a comma or "et" follows it ("Mathieu et Élodie Roux").
LONE_GIVEN_NAME = re.compile(
    rf"(?:(?<=\bd['’])|(?<![\w'’.-]))(?P<name>{CAP})(?![\w'’-])(?P<after>\s*(?:,|et\b))?"
)
#: Words after which a name is a private person's ("les époux Martin", "consorts Roux").
KIN = re.compile(
    rf"(?<![\w])(?P<civ>(?i:époux|épouse|consorts|veuve|veuf|famille|héritiers|indivision"
    rf"|succession|exploitation(?: agricole)?|née|né))\s+(?P<name>{NAME})"
)
#: A relative named after an official ("M. ROUX, frère de M. Paul Roux"): a private
#: person, whom the same name elsewhere in the document also names.
RELATIVE = re.compile(
    rf"(?<![\w])(?i:frère|sœur|soeur|fils|fille|père|mère|époux|épouse|conjointe?|compagnon"
    rf"|compagne|neveu|nièce|gendre|belle-fille|veuve|veuf)\s+(?:de|d['’])\s*"
    rf"(?:{CIVILITY}\s+)?(?P<name>{NAME})"
)
#: After a name, a body it speaks for ("M. Paul Roux du SITCOM", "de la SAFER") or a
#: presentation it is asked to make in the meeting ("propose à M. Roux de présenter").
ON_BEHALF = re.compile(
    rf"^\s*,?\s*(?:(?:du|de la|de l['’])\s*[{UP}]{{3,}}\b|(?:de|d['’])\s*(?:présenter|exposer"
    r"|rapporter|faire le point|faire une présentation))"
)
#: Words before a name that make the person a party to a sale or lease of the council, or
#: an owner: "bail à Monsieur", "vendue à M. et Mme", "au profit de Madame", "propriété de".
PARTY = re.compile(
    r"(?:\b(?:bail|baux|vente|vendue?s?|vendre|cession|cédée?s?|céder|louée?s?|louer|location"
    r"|acquisition|acquérir|acquise?s?|achat|achetée?s?|propriété|appartenant)"
    r"\s+(?:\S+\s+){0,2}?(?:à|au|aux|de|d['’]|auprès de|par)|\bau profit d[eu]|\bau profit d['’])"
    rf"\s*(?:{CIVILITY}\s+(?:(?:et|&)\s+{CIVILITY}\s+)?)?$",
    re.IGNORECASE,
)
#: A list that names people to welcome, marry or mourn (état civil): never officials.
CIVIL_STATUS = re.compile(
    r"\b(?:naissances?|mariages?|décès|pacs|bienvenue|félicitations|condoléances|carnet)\b",
    re.IGNORECASE,
)


def fold(word: str) -> str:
    """Upper-case ASCII form of a word: the key names are compared under."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


#: Folded first names (``JEAN-PIERRE``, ``HELENE``): membership tests only.
FIRST_NAMES = frozenset(fold(n) for n in _FIRST_NAMES.split())

#: Given names that start most compound given names ("Marie-Luce", "Jean-Toussaint").
_COMPOUND_HEADS = frozenset({"JEAN", "MARIE", "ANNE", "PIERRE", "LOUIS", "PAUL", "ANGE"})


def is_given_name(word: str) -> bool:
    """Whether a word is a common given name, or a compound of one ("Marie-Luce")."""
    folded = fold(word)
    if folded in FIRST_NAMES:
        return True
    parts = folded.split("-")
    return (
        len(parts) == 2
        and all(parts)
        and (parts[0] in _COMPOUND_HEADS or all(p in FIRST_NAMES for p in parts))
    )
