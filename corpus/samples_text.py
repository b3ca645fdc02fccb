"""Text of valpub's sample corpus: four fictional French territories, written for this project.

Every sentence here was written for valpub in the register of French territorial strategies and
council minutes; none is taken from a real document. Names, codes (INSEE-like codes starting with
99, SIREN numbers starting with 299), people and figures are invented.

Profiles follow the four territories of the research (see ../shared/seeds): Valmont (A) is strong
on strategic and economic value with active and enhanced co-production; Saint-Aubin-des-Prés (B)
on political value and participation, with no support from its intercommunality; Bellerive-sur-
Orlande (C) on social value and inclusion, short of resources; Aurelle Numérique (D) a syndicat
running the fibre network, on infrastructure and economic value, slowed by phasing.

Markup in the text: ``[^1]`` is a footnote call (drawn as a raised small number), ``~`` a soft
hyphen (an optional break point), a bullet item starting with ``"- "`` is a « – » sub-item.
Ordinary spaces before ``: ; ! ? »`` become no-break spaces when drawn.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Territory:
    slug: str  # folder name under corpus/
    code: str  # INSEE-like code (commune, département) or SIREN (EPCI, syndicat)
    name: str
    type: str  # commune, epci, departement, region, syndicat


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""


@dataclass(frozen=True)
class Meta:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Plain:
    """A short line or paragraph drawn ragged (signature, vote line, attendance)."""

    text: str
    bold: bool = False
    space_after: bool = True


@dataclass(frozen=True)
class Centered:
    lines: tuple[str, ...]
    bold: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    total_row: bool = False


@dataclass(frozen=True)
class Columns:
    """Headings and paragraphs flowing in two columns below the full-width blocks above."""

    blocks: tuple[Heading | Para, ...]


@dataclass(frozen=True)
class Footnote:
    mark: str
    text: str


Block = Title | Meta | Heading | Para | Plain | Centered | Bullets | Table | Columns | Footnote


@dataclass(frozen=True)
class Document:
    territory: Territory
    name: str  # file name inside the territory folder
    title: str
    year: int
    kind: str  # what sort of document, for the manifest notes
    header: str  # running header of every page
    footer: str  # running footer, formatted with n (page) and N (pages)
    pages: tuple[tuple[Block, ...], ...]
    footer_align: str = "center"
    footer_left: str = ""
    justify: bool = True
    in_manifest: bool = True

    @property
    def path(self) -> str:
        return f"{self.territory.slug}/{self.name}"


VALMONT = Territory("valmont", "299010017", "Métropole de Valmont", "epci")
SAINT_AUBIN = Territory("saint-aubin-des-pres", "99217", "Saint-Aubin-des-Prés", "commune")
BELLERIVE = Territory("bellerive-sur-orlande", "99384", "Bellerive-sur-Orlande", "commune")
AURELLE = Territory(
    "aurelle-numerique", "299040022", "Syndicat mixte Aurelle Numérique", "syndicat"
)

TERRITORIES = (VALMONT, SAINT_AUBIN, BELLERIVE, AURELLE)

# ====================================================================== A. Métropole de Valmont
VALMONT_2021 = Document(
    territory=VALMONT,
    name="strategie-territoire-intelligent-2021.pdf",
    title="Stratégie métropolitaine du territoire intelligent 2021-2026",
    year=2021,
    kind="strategy",
    header="Métropole de Valmont — Stratégie territoire intelligent 2021-2026",
    footer="Page {n} / {N}",
    footer_align="right",
    footer_left="Conseil métropolitain du 23 septembre 2021",
    pages=(
        (
            Title(
                "Stratégie métropolitaine du territoire intelligent 2021-2026",
                "« Valmont 2026 : une métropole intelligente au service de la transition "
                "écologique »",
            ),
            Meta(
                "Document adopté par le conseil métropolitain le 23 septembre 2021 — Direction "
                "générale adjointe Transformation numérique et données"
            ),
            Heading("Éditorial du Président"),
            Para(
                "Notre métropole réunit 38 communes et près de 410 000 habitants. En dix ans, le "
                "numérique a changé notre façon de nous déplacer, de travailler et d’accéder aux "
                "services publics. Nous voulons rester maîtres de ces transformations plutôt que "
                "de les laisser s’imposer à nous : cette stratégie fixe le cap d’un numérique "
                "utile, sobre et partagé, mis au service de la transition écologique de notre "
                "territoire."
            ),
            Para(
                "La stratégie que nous adoptons aujourd’hui n’est pas un catalogue de "
                "technologies. Elle dit ce que nous attendons du numérique : des économies pour "
                "la collectivité, des emplois pour le territoire, un air plus sain pour les "
                "habitants et des décisions mieux éclairées pour les élus."
            ),
            Para(
                "Elle a été préparée pendant huit mois avec les maires, les services, les "
                "entreprises, l’université de Valmont, l’agence locale de l’énergie et du climat "
                "et plus de 1 200 habitants qui ont répondu à notre consultation en ligne. Je "
                "remercie chacun pour cette démarche de co-construction, qui engage la Métropole "
                "à rendre compte régulièrement de sa mise en œuvre."
            ),
            Plain("Jean-Michel Ardouin, Président de la Métropole de Valmont", bold=True),
            Heading("1. Pourquoi une stratégie territoire intelligent ?"),
            Para(
                "Le territoire métropolitain fait face à trois défis : l’adaptation au changement "
                "climatique, qui se traduit déjà par des épisodes de chaleur plus fréquents en "
                "centre-ville ; la maîtrise des dépenses de fonctionnement, alors que les "
                "dotations de l’État stagnent ; la concurrence des grandes plateformes "
                "numériques, qui captent une part croissante des données produites sur notre "
                "territoire."
            ),
            Para(
                "Pour y répondre, la Métropole dispose d’atouts : un réseau de fibre optique qui "
                "raccorde tous les bâtiments publics, une plateforme de données ouvertes "
                "alimentée depuis 2017 et une carte d’accès multiservices utilisée par plus de "
                "90 000 habitants[^1] pour les transports, les piscines et les médiathèques."
            ),
            Footnote(
                "1",
                "Source : bilan d’activité 2020 de la régie des services numériques "
                "métropolitains (cartes actives au 31 décembre 2020).",
            ),
        ),
        (
            Heading("2. Diagnostic : ce que le numérique change déjà à Valmont"),
            Columns(
                (
                    Heading("Des services en ligne bien utilisés"),
                    Para(
                        "En 2020, 61 % des demandes adressées à la Métropole ont été faites en "
                        "ligne, contre 34 % en 2016. Le portail des démarches permet de demander "
                        "une carte de stationnement résident, de réserver un créneau en "
                        "déchèterie ou de suivre l’avancement d’une demande d’autorisation "
                        "d’urbanisme."
                    ),
                    Para(
                        "L’application « Valmont Signale » permet aux usagers de la voirie de "
                        "déclarer un nid-de-poule, un lampadaire éteint ou un conteneur "
                        "débordant ; chaque signalement est transmis à l’équipe compétente, qui "
                        "informe son auteur de la suite donnée."
                    ),
                    Heading("Des données encore dispersées"),
                    Para(
                        "Les services produisent chaque jour des données précieuses sur la "
                        "mobilité, l’eau, les déchets ou l’énergie. Elles restent pourtant "
                        "stockées dans des applications métiers qui ne communiquent pas entre "
                        "elles. Ce cloisonnement empêche de croiser les informations et prive "
                        "les élus d’une vision d’ensemble au moment de décider."
                    ),
                    Heading("Un réseau de capteurs à consolider"),
                    Para(
                        "Les 140 capteurs de qualité de l’air et de trafic installés depuis "
                        "2018 fonctionnent avec trois protocoles différents. Leur remplacement "
                        "par un réseau unique bas débit conditionne la plupart des usages "
                        "envisagés dans cette stratégie."
                    ),
                    Heading("Un écosystème local dynamique"),
                    Para(
                        "Valmont compte 240 entreprises du numérique, deux écoles d’ingénieurs "
                        "et un laboratoire universitaire spécialisé dans la modélisation "
                        "urbaine. Des associations de quartier animent des ateliers de "
                        "réparation et des cafés numériques, et l’association Valmont Nature "
                        "suit depuis quinze ans la biodiversité des berges de la Sèvre."
                    ),
                    Heading("Une attractivité à conforter"),
                    Para(
                        "Le très haut débit et la qualité des services en ligne comptent "
                        "désormais parmi les premiers critères d’implantation des entreprises. "
                        "Trois éditeurs de logiciels se sont installés à Valmont en 2020 et ont "
                        "créé 180 emplois, mais la concurrence des métropoles voisines reste "
                        "vive."
                    ),
                    Heading("Des habitants qui veulent être associés"),
                    Para(
                        "La consultation en ligne de l’hiver 2020 l’a montré : 72 % des "
                        "participants souhaitent être consultés avant le lancement des grands "
                        "projets numériques, et un sur trois se dit prêt à prendre part à des "
                        "ateliers de conception de services."
                    ),
                    Heading("Des agents à accompagner"),
                    Para(
                        "L’enquête interne menée auprès de 2 300 agents montre que près d’un "
                        "sur cinq se sent mal à l’aise avec les outils numériques. La "
                        "transformation ne réussira pas sans un effort important de formation "
                        "et d’accompagnement au changement dans toutes les directions."
                    ),
                )
            ),
        ),
        (
            Heading("3. Quatre axes stratégiques"),
            Para(
                "La stratégie s’organise en quatre axes, déclinés en vingt-deux actions. Chaque "
                "action précise la valeur attendue pour les habitants et pour la collectivité."
            ),
            Heading("Axe 1 — Piloter la transition écologique par la donnée", 2),
            Bullets(
                (
                    "Créer une plateforme métropolitaine de la donnée, qui rassemblera les "
                    "données des services, des délégataires et des partenaires dans un entrepôt "
                    "unique et interopérable.",
                    "Construire un jumeau numérique du territoire pour simuler l’effet des "
                    "projets d’aménagement sur les îlots de chaleur, les inondations et les "
                    "déplacements avant de les engager.",
                    "Suivre en continu les consommations d’énergie des 600 bâtiments publics "
                    "afin de réduire la facture énergétique de 15 % d’ici 2026 :",
                    "- priorité aux groupes scolaires et aux équipements sportifs, qui "
                    "représentent 58 % des consommations ;",
                    "- publication trimestrielle des résultats, commune par commune.",
                )
            ),
            Heading("Axe 2 — Simplifier la vie des habitants", 2),
            Bullets(
                (
                    "Étendre la carte multiservices à la location de vélos, à la recharge des "
                    "véhicules électriques et au paiement du stationnement.",
                    "Proposer en ligne toutes les démarches métropolitaines d’ici 2024, tout en "
                    "maintenant un accueil physique dans chaque pôle territorial.",
                    "Informer en temps réel les voyageurs de l’affluence dans les bus et les "
                    "tramways.",
                )
            ),
            Heading("Axe 3 — Innover avec les habitants et les entreprises", 2),
            Bullets(
                (
                    "Ouvrir en 2022 un laboratoire d’innovation urbaine où habitants, "
                    "associations, jeunes entreprises et chercheurs expérimenteront de nouveaux "
                    "services à partir des données publiques.",
                    "Lancer chaque année un défi des données ouvertes, doté de 50 000 €, pour "
                    "soutenir les services imaginés par les habitants et les entreprises "
                    "locales.",
                    "Ouvrir le fablab métropolitain aux collectifs qui fabriquent leurs propres "
                    "capteurs citoyens de bruit ou de qualité de l’air.",
                )
            ),
            Heading("Axe 4 — Un numérique responsable et souverain", 2),
            Bullets(
                (
                    "Adopter un référentiel d’achat numérique responsable et porter à sept ans "
                    "la durée de vie des ordinateurs des agents.",
                    "Privilégier les logiciels libres et les hébergements situés en France pour "
                    "garder la maîtrise des données publiques.",
                    "Garantir que les données personnelles recueillies par les capteurs ne "
                    "seront jamais revendues ni utilisées à des fins commerciales.",
                )
            ),
        ),
        (
            Heading("4. Une gouvernance pilotée et ouverte"),
            Para(
                "La stratégie est portée politiquement par le vice-président délégué au "
                "numérique et à la donnée, qui réunit chaque trimestre un comité de pilotage "
                "associant les vice-présidents concernés et le directeur général des services."
            ),
            Para(
                "Une direction générale adjointe « Transformation numérique et données » est "
                "créée au 1er janvier 2022. Elle coordonne les directions métiers, arbitre les "
                "priorités entre les projets et rend compte chaque mois au comité de direction."
            ),
            Para(
                "Pour associer les acteurs du territoire, un conseil métropolitain de la donnée "
                "réunira deux fois par an des représentants des communes, des entreprises, de "
                "l’université, des associations d’usagers et du conseil de développement[^2]."
            ),
            Para(
                "Les partenariats public-privé seront encadrés par une charte qui garantit la "
                "réversibilité des contrats et la propriété publique des données produites par "
                "les délégataires et les prestataires de la Métropole."
            ),
            Heading("5. Points de vigilance"),
            Para(
                "Plusieurs conditions doivent être réunies pour atteindre ces objectifs. Le "
                "renouvellement du réseau de capteurs et la mise en service de la plateforme de "
                "données devront précéder les premiers usages : aucun service nouveau ne pourra "
                "être proposé aux habitants tant que ce socle technique ne sera pas stabilisé."
            ),
            Para(
                "Les équipes de la direction des systèmes d’information sont déjà très "
                "sollicitées ; la stratégie prévoit le recrutement de six postes sur la durée du "
                "mandat, dont un administrateur des données, sans lesquels le calendrier ne "
                "pourra pas être tenu."
            ),
            Para(
                "Enfin, la réussite du projet dépendra de l’adhésion des 38 communes membres, "
                "dont les priorités et les moyens restent très différents, ainsi que de la "
                "coordination avec le département et la région, qui conduisent leurs propres "
                "programmes numériques."
            ),
            Footnote(
                "2",
                "Le conseil de développement est l’instance consultative de la société civile "
                "placée auprès de la Métropole ; il rend des avis sur les projets structurants.",
            ),
        ),
        (
            Heading("6. Moyens et calendrier"),
            Para(
                "Le programme d’investissement s’élève à 18,4 M€ sur six ans, dont 4,2 M€ de "
                "cofinancements attendus de l’État, de la Région et de l’Union européenne."
            ),
            Table(
                header=("Axe", "Principales actions", "Budget 2021-2026", "Calendrier"),
                rows=(
                    (
                        "1. Piloter par la donnée",
                        "Plateforme de données, jumeau numérique, suivi énergétique",
                        "7,6 M€",
                        "2022-2025",
                    ),
                    (
                        "2. Simplifier la vie",
                        "Carte multiservices, démarches en ligne, information des voyageurs",
                        "5,1 M€",
                        "2021-2024",
                    ),
                    (
                        "3. Innover ensemble",
                        "Laboratoire d’innovation urbaine, défi des données ouvertes, fablab",
                        "3,3 M€",
                        "2022-2026",
                    ),
                    (
                        "4. Numérique responsable",
                        "Achats responsables, logiciels libres, protection des données",
                        "2,4 M€",
                        "2021-2026",
                    ),
                    ("Total", "", "18,4 M€", ""),
                ),
                widths=(3.2, 5.6, 2.2, 1.9),
                total_row=True,
            ),
            Para(
                "Un rapport d’évaluation sera présenté chaque année au conseil métropolitain et "
                "publié sur le site de la Métropole, avec les indicateurs de suivi de chaque "
                "action, afin que chacun puisse juger de l’usage des crédits engagés."
            ),
            Para(
                "Les économies de fonctionnement générées par la stratégie, estimées à 1,1 M€ "
                "par an à partir de 2024, seront réinvesties dans les services aux habitants. "
                "Les entreprises locales seront associées aux marchés par des consultations "
                "allotties, accessibles aux petites structures du territoire."
            ),
            Para(
                "Le calendrier détaillé des actions figure en annexe. Il sera actualisé à "
                "mi-parcours, en 2024."
            ),
        ),
    ),
)

VALMONT_2024 = Document(
    territory=VALMONT,
    name="feuille-de-route-2024.pdf",
    title="Feuille de route territoire intelligent : bilan à mi-parcours et mise à jour 2024",
    year=2024,
    kind="roadmap update",
    header="Métropole de Valmont — Feuille de route territoire intelligent, mise à jour 2024",
    footer="Page {n} / {N}",
    footer_align="right",
    footer_left="Conseil métropolitain du 4 avril 2024",
    pages=(
        (
            Title(
                "Feuille de route territoire intelligent",
                "Bilan à mi-parcours et mise à jour 2024",
            ),
            Meta("Rapport présenté au conseil métropolitain du 4 avril 2024"),
            Heading("1. Trois ans après : ce qui a été réalisé"),
            Para(
                "À mi-parcours, 15 des 22 actions de la stratégie adoptée en 2021 sont engagées "
                "et 6 sont achevées. La plateforme métropolitaine de la donnée est en service "
                "depuis juin 2023 ; elle agrège 320 jeux de données issus de 14 directions et "
                "de trois délégataires, qui ne sont plus enfermés dans leurs applications."
            ),
            Para(
                "Le suivi des consommations des bâtiments publics a permis d’économiser 1,9 GWh "
                "en 2023, soit une baisse de 620 000 € de la facture énergétique de la "
                "Métropole."
            ),
            Para(
                "Le laboratoire d’innovation urbaine « La Fabrique des possibles » a accueilli "
                "37 projets. Neuf d’entre eux, conçus et portés par des habitants ou des "
                "associations, sont devenus des services utilisés au quotidien, comme la carte "
                "collaborative des fontaines d’eau potable ou l’outil de prêt de matériel entre "
                "voisins."
            ),
            Para(
                "Le jumeau numérique sert désormais aux élus pour comparer des scénarios "
                "d’aménagement : lors de la révision du plan de mobilité, il a permis de tester "
                "quatre variantes du réseau de bus avant d’arrêter le choix final."
            ),
            Heading("2. Ce qui a moins bien fonctionné"),
            Para(
                "Le remplacement des capteurs a pris dix-huit mois de retard, faute de "
                "composants disponibles. Les services d’information en temps réel sur la "
                "qualité de l’air, qui dépendaient de ce nouveau réseau, n’ont donc pu ouvrir "
                "qu’à l’automne 2023."
            ),
            Para(
                "Le recrutement des profils spécialisés reste difficile : deux des six postes "
                "prévus, dont celui d’administrateur des données, sont encore vacants, et la "
                "charge repose sur une équipe réduite."
            ),
            Para(
                "La coopération avec les communes membres est inégale. Une dizaine d’entre "
                "elles n’ont pas encore transmis leurs données, ce qui limite l’intérêt des "
                "tableaux de bord à l’échelle métropolitaine."
            ),
        ),
        (
            Heading("3. Les priorités pour 2024-2026"),
            Bullets(
                (
                    "Ouvrir aux habitants une version consultable du jumeau numérique, afin que "
                    "les conseils de quartier puissent proposer et visualiser leurs propres "
                    "projets d’aménagement.",
                    "Déployer un compte usager unique donnant accès à l’ensemble des "
                    "e-services de la Métropole et des communes volontaires, avec des "
                    "notifications personnalisées.",
                    "Créer un tableau de bord public de l’action métropolitaine, mis à jour "
                    "chaque mois, pour que chacun puisse suivre les engagements pris.",
                    "Former 800 agents aux usages des données et aux outils collaboratifs d’ici "
                    "la fin de 2025 :",
                    "- un parcours de trois jours pour les encadrants ;",
                    "- des ateliers d’une demi-journée ouverts à tous les agents volontaires, "
                    "dans chacun des pôles territoriaux.",
                    "Mesurer l’empreinte environnementale des services numériques et supprimer "
                    "ceux qui sont peu utilisés.",
                )
            ),
            Para(
                "La mise à jour renforce le volet économique. Un partenariat avec la chambre de "
                "commerce et d’industrie permettra aux commerçants du centre-ville d’accéder aux "
                "données de fréquentation pour adapter leurs horaires et leurs offres."
            ),
            Para(
                "L’université de Valmont et la Métropole ont signé en janvier 2024 une "
                "convention de recherche de quatre ans sur l’usage des données pour "
                "l’adaptation au changement climatique ; deux doctorants sont accueillis à la "
                "direction de la donnée."
            ),
            Heading("4. Indicateurs de suivi"),
            Table(
                header=("Indicateur", "2021", "2023", "Cible 2026"),
                rows=(
                    ("Part des démarches réalisées en ligne", "61 %", "78 %", "90 %"),
                    ("Jeux de données publiés en données ouvertes", "85", "320", "450"),
                    ("Consommation d’énergie des bâtiments publics (GWh)", "96,0", "89,7", "81,6"),
                    (
                        "Projets accompagnés par le laboratoire d’innovation urbaine",
                        "–",
                        "37",
                        "80",
                    ),
                    ("Agents formés aux usages des données", "0", "310", "800"),
                ),
                widths=(6.4, 1.6, 1.6, 1.9),
            ),
        ),
        (
            Heading("5. Gouvernance"),
            Para(
                "Depuis 2023, le comité de pilotage se réunit tous les deux mois sous la "
                "présidence du vice-président délégué ; il arbitre les priorités au vu du "
                "tableau de bord et peut réaffecter les crédits entre actions en cours d’année."
            ),
            Para(
                "Le conseil métropolitain de la donnée s’est réuni à quatre reprises. Les "
                "représentants des associations d’usagers y ont obtenu l’ajout d’un indicateur "
                "sur l’accessibilité des services en ligne aux personnes handicapées."
            ),
            Para(
                "Les prochaines étapes seront définies en co-construction avec les habitants, "
                "au cours de six ateliers organisés dans les pôles territoriaux à l’automne "
                "2024 ; leurs conclusions seront soumises au conseil métropolitain."
            ),
            Para(
                "Le présent rapport est transmis à l’ensemble des conseillers municipaux des "
                "communes membres."
            ),
        ),
    ),
)

# ====================================================================== B. Saint-Aubin-des-Prés
SAINT_AUBIN_2022 = Document(
    territory=SAINT_AUBIN,
    name="schema-directeur-numerique-2022.pdf",
    title="Schéma directeur du numérique 2022-2026",
    year=2022,
    kind="schéma directeur",
    header="Saint-Aubin-des-Prés · Schéma directeur du numérique 2022-2026",
    footer="— {n} —",
    pages=(
        (
            Title(
                "Schéma directeur du numérique 2022-2026",
                "Une ville du quart d’heure, connectée et à l’écoute",
            ),
            Meta(
                "Commune de Saint-Aubin-des-Prés — Annexe à la délibération n° 2022-058 du "
                "conseil municipal du 30 juin 2022"
            ),
            Heading("Préambule"),
            Para(
                "Saint-Aubin-des-Prés s’est engagée en 2020 à devenir une « ville du quart "
                "d’heure » : chaque habitant doit pouvoir accéder en moins de quinze minutes, à "
                "pied ou à vélo, aux services essentiels de la vie quotidienne. Le numérique est "
                "l’un des moyens de cette ambition, à condition de rester au service du lien "
                "entre la mairie et ses habitants."
            ),
            Para(
                "Ce schéma a été élaboré selon une démarche de co-construction : quatre ateliers "
                "participatifs, une consultation en ligne qui a recueilli 1 850 contributions et "
                "deux séances du conseil citoyen ont permis d’en fixer les priorités."
            ),
            Heading("1. Nos orientations"),
            Para(
                "Le schéma s’articule autour de trois orientations : donner aux habitants une "
                "place dans la décision, rapprocher les services du quotidien et moderniser le "
                "fonctionnement de la mairie."
            ),
            Heading("Orientation 1 — Faire vivre la démocratie locale", 2),
            Para(
                "La plateforme « Saint-Aubin participe », ouverte en 2019, sera étendue. Chaque "
                "projet d’aménagement de plus de 300 000 € y fera l’objet d’une consultation "
                "préalable, et toute proposition d’habitant qui recueille 300 soutiens sera "
                "inscrite à l’ordre du jour du conseil municipal."
            ),
            Para(
                "Le budget participatif, porté à 150 000 € par an, comprendra une enveloppe "
                "réservée aux projets numériques proposés par les habitants et départagés par "
                "un vote en ligne ou dans les bureaux de quartier."
            ),
            Para(
                "Les séances du conseil municipal seront retransmises en direct et les "
                "habitants pourront adresser leurs questions aux élus avant chaque séance."
            ),
        ),
        (
            Heading("Orientation 2 — Des services à moins d’un quart d’heure", 2),
            Bullets(
                (
                    "Ouvrir un guichet numérique dans chacune des quatre maisons de proximité, "
                    "où les agents d’accueil aident les habitants à accomplir leurs démarches.",
                    "Permettre la prise de rendez-vous en ligne pour l’état civil, les "
                    "passeports et les rencontres avec les élus.",
                    "Afficher en temps réel les places disponibles dans les crèches et les "
                    "accueils de loisirs.",
                    "Cartographier les commerces, services et équipements accessibles en moins "
                    "de quinze minutes depuis chaque adresse :",
                    "- la carte sera enrichie par les habitants eux-mêmes, qui pourront y "
                    "ajouter un commerce ou un service manquant ;",
                    "- elle servira d’outil d’aide à la décision pour choisir l’emplacement des "
                    "futurs équipements.",
                )
            ),
            Heading("Orientation 3 — Une administration plus agile", 2),
            Para(
                "La dématérialisation des processus internes (parapheur électronique, gestion "
                "du courrier, suivi des demandes) réduira les délais de réponse aux habitants et "
                "libérera du temps d’agent pour l’accueil du public."
            ),
            Para(
                "Un plan de formation accompagnera les 210 agents de la commune : chaque service "
                "désignera un référent numérique chargé d’aider ses collègues et de faire "
                "remonter leurs besoins à la direction des systèmes d’information."
            ),
            Para(
                "La commune adhère aux principes du numérique responsable : sobriété des "
                "équipements, accessibilité des sites publics et respect de la vie privée des "
                "usagers, qui ne sont pas négociables."
            ),
            Para(
                "Les habitants qui utilisent le plus souvent les démarches en ligne, les "
                "paiements et les e-services municipaux seront invités à tester les nouveaux "
                "formulaires avant leur mise en ligne, au sein d’un panel d’usagers renouvelé "
                "chaque année."
            ),
        ),
        (
            Heading("2. Plan d’actions"),
            Table(
                header=("N°", "Action", "Pilote", "Échéance", "Coût estimé"),
                rows=(
                    (
                        "1",
                        "Extension de la plateforme « Saint-Aubin participe »",
                        "Cabinet du maire",
                        "2022",
                        "35 000 €",
                    ),
                    (
                        "2",
                        "Volet numérique du budget participatif",
                        "Direction de la citoyenneté",
                        "2023",
                        "50 000 € par an",
                    ),
                    (
                        "3",
                        "Guichets numériques des maisons de proximité",
                        "Direction de la proximité",
                        "2023-2024",
                        "120 000 €",
                    ),
                    (
                        "4",
                        "Prise de rendez-vous en ligne",
                        "Direction des systèmes d’information",
                        "2022",
                        "18 000 €",
                    ),
                    ("5", "Carte du quart d’heure", "Service urbanisme", "2024", "45 000 €"),
                    (
                        "6",
                        "Plan de formation des agents",
                        "Ressources humaines",
                        "2022-2026",
                        "60 000 €",
                    ),
                ),
                widths=(0.7, 5.2, 3.6, 1.8, 2.2),
            ),
            Para(
                "Hors volet numérique du budget participatif, le coût du plan d’actions est "
                "estimé à 278 000 € sur cinq ans."
            ),
            Heading("3. Gouvernance et conditions de réussite"),
            Para(
                "Le schéma est piloté par l’adjointe au maire chargée de la démocratie locale et "
                "du numérique. Un comité de suivi, qui associe des élus de la majorité et de "
                "l’opposition, des agents et six habitants tirés au sort, se réunit deux fois "
                "par an."
            ),
            Para(
                "Le conseil municipal reste le lieu où les choix sont débattus et arrêtés ; le "
                "bilan annuel du schéma y sera présenté en séance publique."
            ),
            Para(
                "La commune ne peut pas porter seule l’ensemble du projet. Depuis la fin du "
                "service informatique commun de la communauté de communes du Pays des Prés, en "
                "2021, elle gère seule son système d’information, et aucun projet numérique n’a "
                "encore été engagé à l’échelle intercommunale."
            ),
        ),
        (
            Para(
                "Les élus de la commune exercent leur mandat en parallèle d’une activité "
                "professionnelle. Leur disponibilité pour suivre des projets techniques est "
                "limitée, ce qui justifie le recrutement d’un chef de projet numérique à temps "
                "plein, dont le poste reste à financer."
            ),
            Para(
                "La commune recherchera des partenariats avec les communes voisines, le "
                "département et les associations locales pour mutualiser certaines ressources, "
                "notamment les outils de participation en ligne."
            ),
            Heading("4. Suivi"),
            Para(
                "Un tableau de suivi des actions sera publié chaque année sur le site internet "
                "de la commune. Il indiquera, pour chaque action, son état d’avancement, les "
                "dépenses engagées et les observations du comité de suivi."
            ),
            Plain("Fait à Saint-Aubin-des-Prés, le 30 juin 2022."),
            Plain("La Maire, Claire Vasseur", bold=True),
        ),
    ),
)

SAINT_AUBIN_CM_2023 = Document(
    territory=SAINT_AUBIN,
    name="conseil-municipal-2023-03-14.pdf",
    title="Compte rendu du conseil municipal du 14 mars 2023",
    year=2023,
    kind="council minutes",
    header="Commune de Saint-Aubin-des-Prés — Compte rendu du conseil municipal du 14 mars 2023",
    footer="— {n} —",
    pages=(
        (
            Centered(("RÉPUBLIQUE FRANÇAISE", "Département de l'Orlande"), bold=False),
            Centered(
                ("COMMUNE DE SAINT-AUBIN-DES-PRÉS", "COMPTE RENDU DU CONSEIL MUNICIPAL"), bold=True
            ),
            Centered(("Séance du mardi 14 mars 2023",)),
            Para(
                "L'an deux mille vingt-trois, le quatorze mars à dix-neuf heures, le conseil "
                "municipal de la commune de Saint-Aubin-des-Prés, légalement convoqué le 7 mars "
                "2023, s'est réuni en séance publique à l'hôtel de ville, sous la présidence de "
                "Mme Claire Vasseur, maire."
            ),
            Plain(
                "Membres en exercice : 33. Présents : 29. Pouvoirs : 2 (M. Alain Perrot à Mme "
                "Hélène Dumas, Mme Sophie Bérard à M. Karim Haddad). Absents : M. Luc Ferrand, "
                "Mme Inès Morel. Votants : 31."
            ),
            Plain("Secrétaire de séance : M. Julien Marchal."),
            Plain("Le quorum étant atteint, Mme la Maire ouvre la séance."),
            Heading("1. Approbation du procès-verbal de la séance du 31 janvier 2023", 2),
            Plain("Le procès-verbal est approuvé à l'unanimité."),
            Heading(
                "2. Délibération n° 2023-014 — Budget participatif 2023 : création d'un volet "
                "numérique",
                2,
            ),
            Plain(
                "Rapporteure : Mme Hélène Dumas, adjointe chargée de la démocratie locale et du "
                "numérique."
            ),
            Para(
                "Mme Dumas rappelle que le schéma directeur du numérique adopté le 30 juin 2022 "
                "prévoit de réserver une partie du budget participatif à des projets numériques "
                "proposés par les habitants."
            ),
            Para(
                "Les habitants âgés de plus de seize ans pourront déposer leurs idées sur la "
                "plateforme « Saint-Aubin participe » ou sur papier en mairie, du 3 avril au 15 "
                "mai 2023. Les projets jugés recevables seront soumis au vote des habitants en "
                "septembre, et les plus soutenus seront réalisés en 2024."
            ),
            Para(
                "Les lauréats qui le souhaitent pourront réaliser eux-mêmes leur projet avec "
                "l'appui du service jeunesse et du tiers-lieu « L'Atelier », qui mettra à leur "
                "disposition son matériel et ses animateurs."
            ),
            Para(
                "M. Haddad demande comment seront accompagnés les habitants qui n'ont pas "
                "d'accès à internet. Mme Dumas indique que des permanences seront tenues dans "
                "les quatre maisons de proximité pour aider au dépôt des propositions et au vote."
            ),
            Para(
                "Après en avoir délibéré, le conseil municipal décide de créer un volet "
                "numérique du budget participatif doté de 50 000 € et approuve son règlement, "
                "annexé à la présente délibération."
            ),
            Plain("Adopté à l'unanimité (31 voix pour).", bold=True),
        ),
        (
            Heading(
                "3. Délibération n° 2023-015 — Convention d'hébergement avec la communauté de "
                "communes du Pays des Prés",
                2,
            ),
            Plain("Rapporteur : M. Julien Marchal, premier adjoint."),
            Para(
                "M. Marchal rappelle que, depuis la fin du service commun informatique en 2021, "
                "la commune héberge seule ses applications. La communauté de communes propose de "
                "mettre à sa disposition un espace sur ses serveurs pour une durée de trois ans."
            ),
            Para(
                "La convention permettra d'économiser environ 9 000 € par an de frais "
                "d'hébergement et de sauvegarde, tout en améliorant la sécurité des données de "
                "la commune."
            ),
            Para(
                "M. Haddad regrette que la communauté de communes limite sa proposition à "
                "l'hébergement et refuse toujours d'étudier un schéma numérique intercommunal, "
                "malgré les demandes répétées de la commune depuis deux ans."
            ),
            Para(
                "Le conseil municipal, après en avoir délibéré, approuve la convention et "
                "autorise Mme la Maire à la signer."
            ),
            Plain("Adopté par 27 voix pour et 4 abstentions.", bold=True),
            Heading(
                "4. Délibération n° 2023-016 — Tarifs de la restauration scolaire pour l'année "
                "2023-2024",
                2,
            ),
            Plain("Rapporteure : Mme Sophie Bérard, adjointe chargée des affaires scolaires."),
            Para(
                "Les tarifs sont revalorisés de 3 % à compter du 1er septembre 2023. Le prix du "
                "repas est fixé à 3,45 € pour les familles dont le quotient familial est "
                "supérieur à 900 €."
            ),
            Plain("Adopté par 29 voix pour et 2 voix contre.", bold=True),
            Heading("5. Délibération n° 2023-017 — Accueil d'un conseiller numérique", 2),
            Para(
                "Mme la Maire présente le dispositif par lequel l'État finance pendant deux ans "
                "un poste de conseiller numérique, chargé d'accompagner les habitants éloignés "
                "des outils numériques, notamment les personnes âgées et les demandeurs "
                "d'emploi."
            ),
            Plain("Adopté à l'unanimité (31 voix pour).", bold=True),
        ),
        (
            Heading("6. Questions diverses", 2),
            Para(
                "Mme Dumas répond à une question écrite sur la sécurité des données "
                "personnelles recueillies par la plateforme de participation : les données sont "
                "hébergées en France, ne servent qu'aux consultations et sont supprimées à "
                "l'issue de chaque démarche."
            ),
            Para(
                "M. Perrot signale des difficultés de raccordement à la fibre optique dans le "
                "hameau des Granges. Mme la Maire indique que le syndicat départemental a "
                "programmé les travaux pour le second semestre 2023."
            ),
            Plain("Prochaine séance : mardi 16 mai 2023 à 19 h."),
            Plain("L'ordre du jour étant épuisé, la séance est levée à 21 h 40."),
            Plain("La Maire, Claire Vasseur", bold=True, space_after=False),
            Plain("Le secrétaire de séance, Julien Marchal", bold=True),
        ),
    ),
)

SAINT_AUBIN_LETTER_2024 = Document(
    territory=SAINT_AUBIN,
    name="lettre-du-numerique-2024.pdf",
    title="La lettre du numérique n° 4, printemps 2024",
    year=2024,
    kind="newsletter",
    header="Saint-Aubin-des-Prés · La lettre du numérique",
    footer="{n}",
    in_manifest=False,  # exercises "territory taken from its folder"
    pages=(
        (
            Title("La lettre du numérique", "N° 4 — Printemps 2024"),
            Meta(
                "Publication de la mairie de Saint-Aubin-des-Prés, distribuée dans les boîtes "
                "aux lettres et disponible en mairie"
            ),
            Heading("Budget participatif : vous avez voté !"),
            Para(
                "Du 4 au 25 septembre, 2 140 habitants ont départagé les 18 projets retenus. "
                "Cinq projets numériques seront réalisés cette année, dont un réseau de boîtes "
                "à livres connectées et un atelier de réparation d'ordinateurs."
            ),
            Para(
                "Le projet « Quartier connecté », imaginé par le conseil municipal des jeunes, "
                "sera construit par les jeunes eux-mêmes au tiers-lieu « L'Atelier » : ils "
                "installeront des bornes d'information dans les quatre maisons de proximité."
            ),
            Heading("Nouveau : vos rendez-vous en ligne"),
            Para(
                "Vous pouvez désormais réserver en ligne un créneau pour votre carte d'identité "
                "ou votre passeport et recevoir un rappel par SMS la veille du rendez-vous."
            ),
            Heading("Besoin d'aide avec internet ?"),
            Para(
                "Notre conseiller numérique, Thomas, vous reçoit gratuitement le mardi et le "
                "jeudi à la maison de proximité des Acacias, sans rendez-vous, pour créer une "
                "adresse électronique, remplir un formulaire ou utiliser votre téléphone."
            ),
            Plain(
                "Mairie de Saint-Aubin-des-Prés — 1, place de la Mairie, 99217 "
                "Saint-Aubin-des-Prés — ouverte du lundi au vendredi de 8 h 30 à 17 h 30."
            ),
        ),
    ),
)

# ====================================================================== C. Bellerive-sur-Orlande
BELLERIVE_2022 = Document(
    territory=BELLERIVE,
    name="plan-inclusion-numerique-2022.pdf",
    title="Plan local d’inclusion numérique 2022-2025",
    year=2022,
    kind="digital inclusion plan",
    header="Ville de Bellerive-sur-Orlande | Plan local d’inclusion numérique 2022-2025",
    footer="{n}/{N}",
    pages=(
        (
            Title(
                "Plan local d’inclusion numérique 2022-2025",
                "« Personne ne doit rester seul face à un écran »",
            ),
            Meta(
                "Ville de Bellerive-sur-Orlande — Direction de la cohésion sociale et de la "
                "relation aux habitants — janvier 2022"
            ),
            Heading("1. Le constat"),
            Para(
                "À Bellerive-sur-Orlande, près d’un habitant sur quatre déclare renoncer à "
                "certaines démarches parce qu’elles ne se font plus qu’en ligne[^1]. Cette "
                "difficulté touche d’abord les personnes âgées, les ménages modestes des "
                "quartiers de la Source et des Tilleuls, et les personnes qui maîtrisent mal le "
                "français."
            ),
            Para(
                "La fermeture de plusieurs guichets de services publics a creusé la fracture "
                "numérique : pour obtenir un rendez-vous auprès de la caisse d’allocations "
                "familiales ou renouveler un titre de séjour, il faut désormais presque "
                "toujours passer par internet."
            ),
            Para(
                "La Ville veut que le numérique rapproche les habitants de leurs élus et de "
                "leurs services municipaux, au lieu d’ajouter une distance supplémentaire entre "
                "eux. Ce plan en précise les moyens pour les quatre années à venir."
            ),
            Heading("2. Nos objectifs"),
            Bullets(
                (
                    "Garantir à chaque habitant un lieu d’accompagnement gratuit à moins de dix "
                    "minutes de son domicile.",
                    "Former les agents d’accueil pour qu’ils puissent aider les usagers dans "
                    "leurs démarches en ligne, y compris celles d’autres administrations.",
                    "Maintenir pour chaque démarche municipale une solution par téléphone ou au "
                    "guichet.",
                    "Mesurer chaque année les progrès accomplis et en rendre compte aux habitants.",
                )
            ),
            Footnote(
                "1",
                "Enquête « Usages numériques des Bellerivois » conduite par le centre communal "
                "d’action sociale auprès de 1 012 habitants, de mars à mai 2021.",
            ),
        ),
        (
            Heading("3. Les actions"),
            Heading("3.1 Des lieux et des personnes pour accompagner", 2),
            Para(
                "Trois conseillers numériques, recrutés avec le soutien de l’État, tiennent des "
                "permanences dans les maisons de quartier, à la médiathèque et au centre social "
                "des Tilleuls. Ils aident les habitants à créer une adresse électronique, à "
                "déclarer leurs revenus ou à consulter l’espace numérique de travail de leurs "
                "enfants."
            ),
            Para(
                "Un bus numérique se rendra deux fois par mois dans les hameaux et les "
                "résidences pour personnes âgées, en partenariat avec le centre communal "
                "d’action sociale et les associations d’aide à domicile."
            ),
            Para(
                "Une ressourcerie informatique, confiée à l’association Clic Solidaire, "
                "reconditionnera les ordinateurs réformés par la Ville pour les remettre à des "
                "familles à faibles revenus contre une participation de 30 €, ce qui évite de "
                "jeter des appareils encore en état de marche."
            ),
            Heading("3.2 Des services municipaux plus simples", 2),
            Para(
                "L’application « Bellerive Proximité » permet depuis 2021 de signaler une "
                "anomalie sur l’espace public et d’en suivre le traitement ; elle sera "
                "complétée par un numéro de téléphone unique pour les habitants qui ne disposent "
                "pas d’un smartphone."
            ),
            Para(
                "Chaque formulaire en ligne sera testé, avant sa mise en service, par un panel "
                "d’usagers volontaires parmi lesquels figurent des personnes âgées et des "
                "personnes en situation de handicap."
            ),
            Para(
                "Les élus de quartier tiendront une permanence mensuelle en visioconférence, en "
                "plus des réunions publiques, pour répondre aux questions des habitants et "
                "recueillir leurs avis sur les projets de la municipalité."
            ),
            Heading("3.3 Travailler avec les plateformes", 2),
            Para(
                "La Ville a conclu un accord avec un service de cartographie et une application "
                "de navigation : les travaux et les fermetures de rues y sont signalés en temps "
                "réel, en échange d’un accès de la Ville aux données de circulation anonymisées."
            ),
        ),
        (
            Heading("4. Calendrier et partenaires"),
            Table(
                header=("Action", "Publics visés", "Partenaires", "Calendrier"),
                rows=(
                    (
                        "Permanences des conseillers numériques",
                        "Tous publics, priorité aux personnes âgées",
                        "État, CCAS",
                        "2022-2025",
                    ),
                    (
                        "Bus numérique",
                        "Habitants des hameaux, résidences pour personnes âgées",
                        "CCAS, associations d’aide à domicile",
                        "Dès octobre 2022",
                    ),
                    (
                        "Ressourcerie informatique",
                        "Familles à faibles revenus",
                        "Association Clic Solidaire",
                        "2023",
                    ),
                    (
                        "Formation des agents d’accueil",
                        "45 agents municipaux",
                        "CNFPT",
                        "2022-2023",
                    ),
                    (
                        "Panel d’usagers",
                        "Habitants volontaires",
                        "Conseils de quartier",
                        "2022-2025",
                    ),
                ),
                widths=(3.6, 3.8, 3.4, 2.0),
            ),
            Para(
                "Le plan représente un budget de 640 000 € sur quatre ans, dont 180 000 € "
                "apportés par l’État au titre des conseillers numériques."
            ),
            Heading("5. Les limites de nos moyens"),
            Para(
                "La Ville ne dispose ni d’un service dédié à la donnée ni d’un budget suffisant "
                "pour exploiter les informations recueillies par l’application de signalement ; "
                "leur analyse se limite aujourd’hui à un décompte mensuel."
            ),
            Para(
                "Le financement des conseillers numériques par l’État n’est garanti que pour "
                "deux ans : la pérennité du dispositif dépendra de la capacité de la Ville à "
                "dégager des crédits à partir de 2024."
            ),
            Para(
                "Un bilan du plan sera présenté chaque année au conseil municipal et aux "
                "conseils de quartier, avec le nombre de personnes accompagnées et leur "
                "appréciation du service rendu."
            ),
        ),
    ),
)

BELLERIVE_2023 = Document(
    territory=BELLERIVE,
    name="charte-donnee-ouverte-2023.pdf",
    title="Charte de la donnée ouverte de la Ville de Bellerive-sur-Orlande",
    year=2023,
    kind="open-data charter",
    header="Ville de Bellerive-sur-Orlande | Charte de la donnée ouverte",
    footer="{n}/{N}",
    pages=(
        (
            Title("Charte de la donnée ouverte de la Ville de Bellerive-sur-Orlande"),
            Meta("Approuvée par délibération du conseil municipal n° 2023-41 du 22 mai 2023"),
            Heading("Préambule", 2),
            Para(
                "La Ville de Bellerive-sur-Orlande produit et détient de nombreuses données : "
                "budget, subventions, équipements, horaires, qualité de l’eau, fréquentation des "
                "services. Ces données appartiennent à tous. Les publier permet à chacun de "
                "comprendre comment l’argent public est dépensé et de vérifier les engagements "
                "de la municipalité."
            ),
            Heading("Article 1 — Objet", 2),
            Para(
                "La présente charte fixe les principes selon lesquels la Ville publie ses "
                "données et les engagements qu’elle prend envers ceux qui les réutilisent."
            ),
            Heading("Article 2 — Ouverture par défaut", 2),
            Para(
                "Toute donnée produite par les services a vocation à être publiée, sauf si elle "
                "contient des informations personnelles, relève du secret des affaires ou touche "
                "à la sécurité publique. Les services recensent chaque année les jeux de données "
                "qu’ils détiennent."
            ),
            Heading("Article 3 — Protection des personnes", 2),
            Para(
                "Aucune donnée permettant d’identifier directement ou indirectement une personne "
                "ne sera publiée. La Ville tient la protection de la vie privée de ses habitants "
                "pour un principe intangible de l’action publique."
            ),
            Heading("Article 4 — Gratuité et licence", 2),
            Para(
                "Les données sont publiées gratuitement, sous licence ouverte, dans des formats "
                "lisibles par les machines. Les entreprises, les associations et les chercheurs "
                "peuvent les réutiliser librement, y compris à des fins commerciales, pour créer "
                "de nouveaux services et de nouvelles activités sur le territoire."
            ),
            Heading("Article 5 — Qualité et mise à jour", 2),
            Para(
                "Chaque jeu de données a un service référent, chargé de sa mise à jour et de la "
                "réponse aux questions des usagers. La date de dernière actualisation est "
                "indiquée pour chaque jeu."
            ),
        ),
        (
            Heading("Article 6 — Une donnée utile à la décision", 2),
            Para(
                "Les données ouvertes servent aussi au pilotage interne : les tableaux de bord "
                "des services et les études préalables aux projets municipaux s’appuient sur "
                "les mêmes jeux de données que ceux mis à la disposition du public."
            ),
            Heading("Article 7 — Dialogue avec les réutilisateurs", 2),
            Para(
                "Les habitants peuvent demander l’ouverture d’un nouveau jeu de données au moyen "
                "d’un formulaire en ligne. Les demandes sont examinées deux fois par an par un "
                "comité associant des élus, des agents et des représentants des conseils de "
                "quartier, qui décide des prochaines publications."
            ),
            Heading("Article 8 — Sobriété", 2),
            Para(
                "La Ville ne publie que les données dont l’utilité est établie et évite la "
                "multiplication des copies de fichiers, par souci de sobriété numérique."
            ),
            Heading("Article 9 — Évaluation", 2),
            Para(
                "Un rapport annuel présente le nombre de jeux publiés, leur fréquentation et les "
                "réutilisations connues. Il est rendu public sur le portail de la Ville et "
                "présenté en commission municipale."
            ),
            Plain("Fait à Bellerive-sur-Orlande, le 22 mai 2023."),
            Plain(
                "Pour le Maire, l’adjoint délégué à la relation aux habitants, Samuel Oudin",
                bold=True,
            ),
        ),
    ),
)

# ====================================================================== D. Aurelle Numérique
AURELLE_2021 = Document(
    territory=AURELLE,
    name="schema-directeur-amenagement-numerique-2021.pdf",
    title="Schéma directeur territorial d’aménagement numérique : volet usages et services",
    year=2021,
    kind="schéma directeur",
    header="Aurelle Numérique — SDTAN, volet usages et services (mise à jour 2021)",
    footer="Page {n} sur {N}",
    pages=(
        (
            Title(
                "Schéma directeur territorial d’aménagement numérique",
                "Volet usages et services — mise à jour 2021",
            ),
            Meta("Syndicat mixte Aurelle Numérique — Comité syndical du 9 décembre 2021"),
            Heading("1. Le syndicat et ses missions"),
            Para(
                "Le syndicat mixte Aurelle Numérique réunit le département de l’Aurelle et ses "
                "sept communautés de communes. Maître d’ouvrage du réseau public de fibre "
                "optique, il en a confié la construction et l’exploitation à un délégataire, "
                "dans le cadre d’une délégation de service public de vingt-cinq ans."
            ),
            Para(
                "Au 30 septembre 2021, 118 000 des 164 000 locaux du département sont "
                "raccordables à la fibre optique. Les 46 000 locaux restants, situés pour "
                "l’essentiel en zone de montagne et dans des hameaux isolés, le seront d’ici à "
                "la fin de 2024."
            ),
            Para(
                "Le très haut débit n’est pas une fin en soi. Il doit permettre aux entreprises "
                "de s’installer et de se développer partout dans le département, aux habitants "
                "d’accéder aux mêmes services qu’en ville et aux collectivités de moderniser "
                "leur action."
            ),
            Heading("2. Un réseau au service de l’économie locale"),
            Para(
                "Les zones d’activités ont été raccordées en priorité : 1 450 entreprises "
                "bénéficient aujourd’hui d’une offre professionnelle à des tarifs comparables à "
                "ceux des grandes agglomérations, ce qui a déjà permis l’implantation de deux "
                "centres de services et de 140 emplois."
            ),
            Para(
                "Le syndicat perçoit du délégataire une redevance qui couvre désormais les "
                "frais de fonctionnement du réseau ; à partir de 2026, les recettes "
                "excédentaires seront reversées aux membres pour financer des projets d’usages."
            ),
            Para(
                "Les artisans et commerçants bénéficieront d’un programme d’accompagnement à la "
                "vente en ligne, conduit avec la chambre de métiers et de l’artisanat[^1]."
            ),
            Footnote(
                "1",
                "Programme « Commerce connecté en Aurelle », 2022-2024, cofinancé par la Région "
                "et les chambres consulaires.",
            ),
        ),
        (
            Heading("3. Des usages numériques pour tous"),
            Para(
                "Le raccordement ne suffit pas : dans les communes rurales, une partie des "
                "habitants ne dispose ni de l’équipement ni des compétences nécessaires pour "
                "profiter du très haut débit."
            ),
            Bullets(
                (
                    "Déployer, avec les communautés de communes, un réseau de douze espaces "
                    "numériques de proximité, dont quatre itinérants.",
                    "Financer la formation de médiateurs numériques dans les associations et "
                    "les secrétariats de mairie.",
                    "Équiper les écoles rurales d’outils de visioconférence pour que les élèves "
                    "suivent des enseignements partagés avec d’autres établissements :",
                    "- priorité aux regroupements pédagogiques de moins de cinq classes ;",
                    "- maintenance assurée par le syndicat pendant trois ans.",
                    "Développer la téléconsultation dans les maisons de santé, avec l’agence "
                    "régionale de santé, pour rapprocher les soins des habitants éloignés.",
                )
            ),
            Heading("4. L’appel à initiatives « Aurelle connectée »"),
            Para(
                "Chaque année, un appel à initiatives permettra aux associations, aux "
                "entreprises et aux groupes d’habitants de proposer des services numériques "
                "nouveaux pour leur territoire ; les projets retenus recevront une aide de "
                "5 000 à 30 000 € et seront accompagnés par l’équipe du syndicat."
            ),
            Para(
                "Le syndicat mettra à la disposition des porteurs de projets les données du "
                "réseau utiles à leurs initiatives, dans le respect du secret des affaires du "
                "délégataire."
            ),
            Heading("5. Gouvernance"),
            Para(
                "Le comité syndical fixe les orientations ; un bureau restreint, présidé par le "
                "président du syndicat, se réunit chaque mois et arbitre les priorités de "
                "déploiement."
            ),
            Para(
                "Une conférence des usages, réunissant les communautés de communes, les chambres "
                "consulaires, l’université de l’Aurelle et les associations de médiation, se "
                "tiendra chaque année pour partager les projets et éviter les doublons."
            ),
        ),
        (
            Heading("6. Phasage"),
            Table(
                header=("Phase", "Période", "Objectifs", "Investissement"),
                rows=(
                    (
                        "Phase 1 — Réseau de collecte",
                        "2016-2019",
                        "Raccordement des zones d’activités, des sites publics et des points hauts",
                        "62 M€",
                    ),
                    (
                        "Phase 2 — Desserte",
                        "2019-2024",
                        "164 000 locaux raccordables en fibre jusqu’à l’abonné",
                        "148 M€",
                    ),
                    (
                        "Phase 3 — Usages",
                        "2022-2027",
                        "Espaces numériques, appel à initiatives, téléconsultation, écoles",
                        "9,5 M€",
                    ),
                ),
                widths=(3.2, 1.8, 5.3, 2.6),
            ),
            Para(
                "Les projets d’usages ne pourront être engagés dans une commune qu’une fois le "
                "réseau déployé et les offres commerciales disponibles ; leur calendrier suivra "
                "donc celui de la desserte, commune par commune."
            ),
            Para(
                "Dans les vallées de l’est, les travaux de génie civil sur les appuis aériens "
                "ont pris près d’un an de retard, ce qui décale d’autant l’ouverture des "
                "premiers espaces numériques."
            ),
            Heading("7. Difficultés et vigilances"),
            Para(
                "Faire travailler ensemble le département, sept intercommunalités et un "
                "délégataire privé reste un exercice difficile : les priorités des membres "
                "divergent, et certaines communautés de communes n’ont pas désigné d’élu "
                "référent pour les usages."
            ),
            Para(
                "L’équipe du syndicat compte huit agents, presque tous mobilisés par le suivi des "
                "travaux ; le volet usages ne dispose à ce jour que d’un demi-poste."
            ),
            Para(
                "Le syndicat veillera à la sobriété énergétique des équipements du réseau et "
                "anticipera leur renouvellement pour limiter les déchets électroniques."
            ),
            Para(
                "La fermeture du réseau cuivre devra se faire sans couper quiconque de ses "
                "services : aucun foyer ne doit se retrouver sans connexion pendant la migration."
            ),
        ),
    ),
)

AURELLE_CS_2024 = Document(
    territory=AURELLE,
    name="comite-syndical-2024-06-27.pdf",
    title="Compte rendu du comité syndical du 27 juin 2024",
    year=2024,
    kind="board minutes",
    header="Syndicat mixte Aurelle Numérique — Comité syndical du 27 juin 2024",
    footer="Page {n} sur {N}",
    pages=(
        (
            Centered(("SYNDICAT MIXTE AURELLE NUMÉRIQUE",), bold=True),
            Centered(("Compte rendu du comité syndical", "Séance du jeudi 27 juin 2024")),
            Plain("Siège : 12, avenue des Tisserands, 99000 Saint-Lérac — Tél. 09 99 00 12 34"),
            Para(
                "Le comité syndical s'est réuni le jeudi 27 juin 2024 à 14 h 30 au siège du "
                "syndicat, sous la présidence de M. Bernard Lachaume, président."
            ),
            Plain("Membres en exercice : 32. Présents : 27. Pouvoirs : 2. Votants : 29."),
            Plain("Secrétaire de séance : Mme Odile Serre."),
            Heading("1. Approbation du compte rendu de la séance du 14 mars 2024", 2),
            Plain("Le compte rendu est approuvé sans observation."),
            Heading(
                "2. Délibération n° 2024-18 — Rapport annuel du délégataire pour l'exercice 2023",
                2,
            ),
            Para(
                "Le président présente le rapport annuel remis par le délégataire. Au 31 "
                "décembre 2023, 158 200 locaux sont raccordables et 71 400 abonnés sont actifs "
                "sur le réseau, soit un taux de pénétration de 45 %."
            ),
            Para(
                "Le rapport fait apparaître un allongement des délais de raccordement en zone de "
                "montagne. Le comité demande au délégataire de présenter un plan d'amélioration "
                "avant la fin de l'année."
            ),
            Para(
                "Le président souligne que ce rapport permet aux élus de rendre compte aux "
                "habitants de la qualité d'un service construit avec des fonds publics."
            ),
            Plain("Le comité syndical prend acte du rapport annuel du délégataire."),
            Heading(
                "3. Délibération n° 2024-19 — Appel à initiatives « Aurelle connectée » : "
                "attribution des aides 2024",
                2,
            ),
            Para(
                "Vingt-deux dossiers ont été déposés. Le jury, composé d'élus, de représentants "
                "des chambres consulaires et de deux habitants, propose de retenir neuf projets."
            ),
            Para(
                "Parmi eux figurent une plateforme de covoiturage conçue par un collectif "
                "d'habitants de la vallée de la Sorge, une épicerie en ligne gérée par une "
                "coopérative de producteurs et un réseau de capteurs de crue installé par une "
                "association de pêcheurs."
            ),
            Para(
                "Le comité syndical attribue une aide totale de 186 000 € aux neuf lauréats, "
                "conformément au tableau annexé."
            ),
            Plain("Adopté à l'unanimité (29 voix pour).", bold=True),
        ),
        (
            Heading(
                "4. Délibération n° 2024-20 — Convention relative aux espaces numériques de "
                "proximité",
                2,
            ),
            Para(
                "La convention répartit les charges : le syndicat finance l'équipement et la "
                "formation des médiateurs, les communautés de communes prennent en charge les "
                "locaux et les frais de personnel."
            ),
            Para(
                "M. Roussel, délégué de la communauté de communes des Hauts-Plateaux, indique "
                "que son conseil communautaire n'a pas encore délibéré et que sa communauté ne "
                "pourra pas signer la convention avant l'automne."
            ),
            Para(
                "Le président regrette ce décalage, qui privera une partie des habitants du "
                "plateau d'un lieu d'accompagnement pendant plusieurs mois."
            ),
            Plain("Adopté par 27 voix pour et 2 abstentions.", bold=True),
            Heading("5. Délibération n° 2024-21 — Budget supplémentaire 2024", 2),
            Para(
                "Le budget supplémentaire reprend les résultats de l'exercice 2023 et inscrit "
                "420 000 € de crédits nouveaux en section d'investissement."
            ),
            Para(
                "Ces crédits financeront notamment la protection des équipements actifs du "
                "réseau contre les cyberattaques, afin de garantir la continuité du service aux "
                "abonnés, aux entreprises et aux services publics."
            ),
            Plain("Adopté à l'unanimité (29 voix pour).", bold=True),
            Heading(
                "6. Délibération n° 2024-22 — Création d'un poste de chargé de mission usages "
                "numériques",
                2,
            ),
            Para(
                "Le président rappelle que le volet usages du schéma directeur ne dispose que "
                "d'un demi-poste depuis 2021, ce qui a retardé l'accompagnement des lauréats de "
                "l'appel à initiatives."
            ),
            Para(
                "Le comité décide de créer un emploi permanent de chargé de mission à temps "
                "complet, relevant du cadre d'emplois des attachés territoriaux."
            ),
            Plain("Adopté à l'unanimité (29 voix pour).", bold=True),
            Heading("7. Informations diverses", 2),
            Para(
                "Le président informe le comité que la fermeture technique du réseau cuivre "
                "débutera en 2026 dans les premières communes. Une réunion publique sera "
                "organisée dans chaque commune concernée."
            ),
            Plain("L'ordre du jour étant épuisé, la séance est levée à 16 h 50."),
            Plain("Le président, Bernard Lachaume", bold=True),
        ),
    ),
)

DOCUMENTS: tuple[Document, ...] = (
    VALMONT_2021,
    VALMONT_2024,
    SAINT_AUBIN_2022,
    SAINT_AUBIN_CM_2023,
    SAINT_AUBIN_LETTER_2024,
    BELLERIVE_2022,
    BELLERIVE_2023,
    AURELLE_2021,
    AURELLE_CS_2024,
)
