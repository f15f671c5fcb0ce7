"""The words a generated office is made of: Dutch names, places, the kinds of dossier a notary office
handles with their progress steps, and the subjects of the mail that goes to and fro.

Plain tuples (never sets): the generator draws from them with a seeded random
generator, and the same seed must give the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_NAMES = (
    "Jan",
    "Piet",
    "Kees",
    "Anna",
    "Sanne",
    "Emma",
    "Daan",
    "Lucas",
    "Sem",
    "Julia",
    "Tess",
    "Mila",
    "Noah",
    "Fleur",
    "Lotte",
    "Bram",
    "Thijs",
    "Ruben",
    "Eva",
    "Sophie",
    "Femke",
    "Joost",
    "Willem",
    "Hendrik",
    "Maria",
    "Johanna",
    "Cornelis",
    "Ingrid",
    "Mohamed",
    "Fatima",
    "Yusuf",
    "Ayşe",
    "Zoë",
    "Chloë",
    "Noël",
    "Renée",
    "Mehmet",
    "Priya",
    "Wei",
    "Karim",
    "Nadia",
    "Stijn",
    "Marloes",
    "Geert",
    "Hanneke",
    "Wouter",
)

LAST_NAMES = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "Özdemir",
    "Yılmaz",
    "El Amrani",
    "Bouzid",
    "Nguyen",
    "Kartosen",
    "Ramdin",
    "Çelik",
    "Hoekstra",
    "Postma",
)

STREETS = (
    "Dorpsstraat",
    "Kerkstraat",
    "Schoolstraat",
    "Molenweg",
    "Stationsweg",
    "Julianalaan",
    "Beatrixstraat",
    "Wilhelminapark",
    "Industrieweg",
    "Havenkade",
    "Lindenlaan",
    "Eikenlaan",
    "Prinsengracht",
    "Marktplein",
    "Nieuwstraat",
    "Burgemeester de Withstraat",
    "Zuiderweg",
    "Parallelweg",
    "Sluisweg",
    "Kanaalstraat",
)

CITIES = (
    "Utrecht",
    "Amersfoort",
    "Zeist",
    "Houten",
    "Nieuwegein",
    "Bunnik",
    "De Bilt",
    "Bilthoven",
    "Maarssen",
    "IJsselstein",
    "Woerden",
    "Soest",
    "Baarn",
    "Veenendaal",
    "Culemborg",
    "Wijk bij Duurstede",
)

COMPANY_ACTIVITIES = (
    "Bouw",
    "Installatietechniek",
    "Holding",
    "Vastgoed",
    "Advies",
    "Transport",
    "Bakkerij",
    "Tandartsen",
    "Schilders",
    "ICT",
    "Hoveniers",
    "Beheer",
    "Makelaardij",
    "Accountants",
)
COMPANY_FORMS = ("B.V.", "B.V.", "B.V.", "V.O.F.", "Holding B.V.", "N.V.")


@dataclass(frozen=True)
class DossierType:
    """A kind of dossier: its description (filled in per dossier), the steps it goes through, and
    whether it belongs to a company client."""

    key: str
    description: str  # str.format with street, nr, city, name, name2, company
    steps: tuple[str, ...]
    for_company: bool
    weight: int
    questionnaire: bool  # the office sends the client a questionnaire for this kind


_PROPERTY_STEPS = (
    "Opdracht ontvangen",
    "Identificatie gecontroleerd",
    "Koopovereenkomst ontvangen",
    "Kadaster en registers geraadpleegd",
    "Hypotheekstukken ontvangen",
    "Concept-akte opgesteld",
    "Nota van afrekening verstuurd",
    "Akte gepasseerd",
    "Inschrijving in het Kadaster",
)
_FAMILY_STEPS = (
    "Opdracht ontvangen",
    "Intakegesprek",
    "Vragenlijst ontvangen",
    "Concept-akte opgesteld",
    "Concept-akte besproken",
    "Akte gepasseerd",
)
_COMPANY_STEPS = (
    "Opdracht ontvangen",
    "Identificatie en UBO-registratie gecontroleerd",
    "Concept-akte opgesteld",
    "Concept-akte besproken",
    "Akte gepasseerd",
    "Inschrijving in het Handelsregister",
)
_ESTATE_STEPS = (
    "Opdracht ontvangen",
    "Testamentenregister geraadpleegd",
    "Verklaring van erfrecht opgesteld",
    "Boedelbeschrijving",
    "Aangifte erfbelasting",
    "Verdeling afgerond",
)

DOSSIER_TYPES = (
    DossierType("levering", "Levering woning {street} {nr}, {city}", _PROPERTY_STEPS, False, 30, True),
    DossierType(
        "hypotheek", "Hypotheekakte {street} {nr}, {city}", _PROPERTY_STEPS[:2] + _PROPERTY_STEPS[5:], False, 20, False
    ),
    DossierType("testament", "Testament {name}", _FAMILY_STEPS, False, 12, True),
    DossierType("levenstestament", "Levenstestament {name}", _FAMILY_STEPS, False, 8, True),
    DossierType("huwelijk", "Huwelijkse voorwaarden {name}–{name2}", _FAMILY_STEPS, False, 6, True),
    DossierType("samenleving", "Samenlevingscontract {name}–{name2}", _FAMILY_STEPS, False, 5, False),
    DossierType("nalatenschap", "Afwikkeling nalatenschap {name}", _ESTATE_STEPS, False, 6, True),
    DossierType("schenking", "Schenking {name}", _FAMILY_STEPS, False, 3, False),
    DossierType("oprichting", "Oprichting {company}", _COMPANY_STEPS, True, 8, True),
    DossierType("statuten", "Statutenwijziging {company}", _COMPANY_STEPS, True, 6, False),
    DossierType("aandelen", "Overdracht aandelen {company}", _COMPANY_STEPS, True, 5, False),
    DossierType("bedrijfspand", "Aankoop bedrijfspand {street} {nr}, {city}", _PROPERTY_STEPS, True, 6, False),
)

OFFICE_SUBJECTS = (
    "Kopie legitimatiebewijs",
    "Concept-akte klaargezet",
    "Afspraak voor de ondertekening",
    "Nota van afrekening",
    "Vragenlijst klaargezet",
    "Aanvullende gegevens nodig",
    "Akte gepasseerd",
    "Bevestiging van uw opdracht",
)
CLIENT_SUBJECTS = (
    "Vraag over de concept-akte",
    "Gegevens aangeleverd",
    "Andere datum voor de afspraak",
    "Vraag over de nota",
    "Kopie paspoort",
    "Wijziging in mijn gegevens",
)
OFFICE_BODIES = (
    "Beste {name},\n\nIn het portaal staat een nieuw document voor u klaar. Heeft u vragen, laat het ons weten.\n\n"
    "Met vriendelijke groet,\n{handler}",
    "Beste {name},\n\nWilt u ons de ontbrekende gegevens sturen? Dan kunnen wij de akte verder voorbereiden.\n\n"
    "Met vriendelijke groet,\n{handler}",
    "Beste {name},\n\nDank voor uw bericht. Wij nemen het mee in de volgende versie van de akte.\n\n"
    "Met vriendelijke groet,\n{handler}",
)
CLIENT_BODIES = (
    "Beste {handler},\n\nHierbij stuur ik de gevraagde gegevens.\n\nMet vriendelijke groet,\n{name}",
    "Beste {handler},\n\nIk heb een vraag over de concept-akte. Kunt u mij bellen?\n\nMet vriendelijke groet,\n{name}",
    "Beste {handler},\n\nDe afspraak past ons helaas niet. Is een andere datum mogelijk?\n\nGroet,\n{name}",
)

# The generic files of the store: texts every client of the office gets in the same words, so one
# stored file honestly serves many records (each record still has its own key, a hard link).
GENERIC_FILES = (
    ("correspondentie", "Opdrachtbevestiging", "opdrachtbevestiging.pdf"),
    ("correspondentie", "Algemene voorwaarden", "algemene-voorwaarden.pdf"),
    ("correspondentie", "Informatie over de ondertekening", "informatie-ondertekening.pdf"),
    ("correspondentie", "Nota van afrekening (concept)", "nota-van-afrekening.pdf"),
    ("document", "Concept-akte", "concept-akte.pdf"),
    ("document", "Volmacht", "volmacht.pdf"),
    ("document", "Afschrift akte", "afschrift-akte.pdf"),
    ("document", "Uittreksel Kadaster", "uittreksel-kadaster.pdf"),
    ("aangeleverd", "Kopie paspoort", "kopie-paspoort.pdf"),
    ("aangeleverd", "Koopovereenkomst", "koopovereenkomst.pdf"),
    ("aangeleverd", "Hypotheekofferte", "hypotheekofferte.pdf"),
    ("aangeleverd", "Uittreksel KvK", "uittreksel-kvk.pdf"),
)

AUDIT_EVENTS = (
    # (event type, weight, concerns a dossier)
    ("login.succeeded", 30, False),
    ("document.downloaded", 18, True),
    ("access.granted", 2, True),
    ("logout", 8, False),
    ("document.published", 5, True),
    ("message.sent", 5, True),
    ("progress.step_added", 3, True),
    ("dossier.changed", 2, True),
    ("dossier.created", 2, True),
    ("questionnaire.completed", 1, True),
    ("login.failed", 1, False),
)
