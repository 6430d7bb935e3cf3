"""Reference data of the simulated world's places: villages, countries, markets, departments.

Static tables, written once and parsed at import: 70 resort villages in 26
countries, the twelve markets customers come from, and France's departments (for
the IRIS zones).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class Village(NamedTuple):
    """A resort village of the group."""

    code: str
    name: str
    country: str
    kind: str  # MOUNTAIN, SEA, COUNTRYSIDE
    season_type: str  # WINTER, WINTER_SUMMER, SUMMER, ALL_YEAR
    region: str
    comfort: str  # 3T, 4T, 5T, EXC (tridents)
    lat: float
    lon: float
    altitude: int | None
    size: float  # relative number of beds
    opened: dt.date | None
    closed: dt.date | None


REGIONS: dict[str, str] = {
    "ALPS": "Europe - Alpes",
    "PYR": "Europe - Pyrénées",
    "MED": "Europe - Méditerranée",
    "AFR": "Afrique",
    "IND": "Océan Indien",
    "ASIA": "Asie",
    "CARIB": "Amériques - Caraïbes",
    "NAM": "Amériques - Nord",
    "SAM": "Amériques - Sud",
}
"""Sales regions of the villages (key: short code, value: label in the extracts)."""

# code | name | country | kind | season type | region | comfort | lat | lon | altitude | size |
# opened | closed
_VILLAGES = """
VTH|Val Thorens|FR|MOUNTAIN|WINTER|ALPS|5T|45.3|6.58|2300|1.3|-|-
TIG|Tignes|FR|MOUNTAIN|WINTER_SUMMER|ALPS|4T|45.47|6.91|2100|1.2|2022-12-10|-
VDI|Val d'Isère|FR|MOUNTAIN|WINTER|ALPS|EXC|45.45|6.98|1850|0.6|-|-
ARC|Les Arcs Panorama|FR|MOUNTAIN|WINTER_SUMMER|ALPS|5T|45.57|6.8|1600|1.1|-|-
PLA|La Plagne 2100|FR|MOUNTAIN|WINTER|ALPS|4T|45.51|6.68|2100|0.9|-|-
PEI|Peisey-Vallandry|FR|MOUNTAIN|WINTER_SUMMER|ALPS|4T|45.55|6.76|1600|1.0|-|-
DAL|Les Deux Alpes|FR|MOUNTAIN|WINTER|ALPS|4T|45.01|6.12|1650|0.8|-|-
ALP|L'Alpe d'Huez|FR|MOUNTAIN|WINTER_SUMMER|ALPS|4T|45.09|6.07|1860|1.2|-|-
SER|Serre-Chevalier|FR|MOUNTAIN|WINTER_SUMMER|ALPS|3T|44.94|6.56|1400|0.9|-|-
VMO|Valmorel|FR|MOUNTAIN|WINTER_SUMMER|ALPS|4T|45.46|6.44|1400|1.0|-|-
ROS|La Rosière|FR|MOUNTAIN|WINTER_SUMMER|ALPS|4T|45.63|6.85|1850|0.9|-|-
SAM|Grand Massif Samoëns Morillon|FR|MOUNTAIN|WINTER_SUMMER|ALPS|4T|46.08|6.72|1600|1.1|-|-
AVO|Avoriaz|FR|MOUNTAIN|WINTER|ALPS|3T|46.19|6.77|1800|0.6|-|-
CHA|Chamonix Mont-Blanc|FR|MOUNTAIN|WINTER_SUMMER|ALPS|4T|45.92|6.87|1035|0.7|-|-
PEY|Peyragudes|FR|MOUNTAIN|WINTER|PYR|3T|42.79|0.45|1600|0.6|-|-
MEN|Les Menuires|FR|MOUNTAIN|WINTER|ALPS|3T|45.32|6.54|1850|0.7|-|-
MER|Méribel Le Chalet|FR|MOUNTAIN|WINTER|ALPS|EXC|45.4|6.57|1450|0.3|-|-
FLA|Flaine|FR|MOUNTAIN|WINTER|ALPS|3T|46.0|6.69|1600|0.6|-|-
FRO|Font-Romeu|FR|MOUNTAIN|WINTER_SUMMER|PYR|3T|42.5|2.04|1800|0.5|-|-
OPI|Opio en Provence|FR|COUNTRYSIDE|ALL_YEAR|MED|4T|43.66|6.98|-|1.0|-|-
CRG|Cargèse|FR|SEA|SUMMER|MED|4T|42.13|8.6|-|0.8|-|-
SMO|Saint-Moritz Roi Soleil|CH|MOUNTAIN|WINTER|ALPS|4T|46.49|9.84|1800|0.7|-|-
VIL|Villars-sur-Ollon|CH|MOUNTAIN|WINTER_SUMMER|ALPS|4T|46.3|7.06|1300|0.7|-|-
WEN|Wengen|CH|MOUNTAIN|WINTER|ALPS|3T|46.61|7.92|1275|0.4|-|2022-04-30
PRA|Pragelato Vialattea|IT|MOUNTAIN|WINTER_SUMMER|ALPS|4T|45.01|6.94|1524|0.9|-|-
CER|Cervinia|IT|MOUNTAIN|WINTER|ALPS|4T|45.93|7.63|2050|0.6|-|-
CEF|Cefalù|IT|SEA|SUMMER|MED|4T|38.03|14.04|-|1.0|-|-
NAP|Napitia|IT|SEA|SUMMER|MED|3T|38.74|16.2|-|0.8|-|-
KAM|Kamarina|IT|SEA|SUMMER|MED|3T|36.87|14.41|-|1.1|-|-
OTR|Otranto|IT|SEA|SUMMER|MED|3T|40.14|18.49|-|0.7|-|-
MAR|Marbella|ES|SEA|SUMMER|MED|5T|36.51|-4.88|-|0.6|2020-10-01|-
ALC|Alcúdia|ES|SEA|SUMMER|MED|3T|39.85|3.12|-|0.7|-|-
BAL|Da Balaia|PT|SEA|SUMMER|MED|4T|37.09|-8.2|-|1.0|-|-
GRE|Gregolimano|GR|SEA|SUMMER|MED|4T|38.97|23.0|-|0.8|-|-
PAL|Palmiye|TR|SEA|SUMMER|MED|4T|36.6|30.55|-|1.4|-|-
KEM|Kemer|TR|SEA|SUMMER|MED|3T|36.6|30.56|-|1.0|-|-
BOD|Bodrum|TR|SEA|SUMMER|MED|4T|37.03|27.43|-|0.8|-|-
MRK|Marrakech La Palmeraie|MA|COUNTRYSIDE|ALL_YEAR|AFR|4T|31.67|-7.97|-|1.2|-|-
AGA|Agadir|MA|SEA|ALL_YEAR|AFR|3T|30.41|-9.6|-|0.9|-|-
DJE|Djerba la Douce|TN|SEA|SUMMER|AFR|3T|33.83|11.0|-|1.0|-|-
HAM|Hammamet|TN|SEA|SUMMER|AFR|3T|36.37|10.54|-|0.8|-|-
CSK|Cap Skirring|SN|SEA|ALL_YEAR|AFR|3T|12.39|-16.75|-|0.7|-|-
ALB|La Plantation d'Albion|MU|SEA|ALL_YEAR|IND|EXC|-20.21|57.4|-|0.6|-|-
CAN|La Pointe aux Canonniers|MU|SEA|ALL_YEAR|IND|4T|-20.0|57.56|-|0.8|-|-
SEY|Seychelles|SC|SEA|ALL_YEAR|IND|5T|-4.7|55.5|-|0.6|2021-04-01|-
KAN|Kani|MV|SEA|ALL_YEAR|IND|4T|4.25|73.5|-|0.8|-|-
FIN|Finolhu Villas|MV|SEA|ALL_YEAR|IND|EXC|4.26|73.49|-|0.2|-|-
PHU|Phuket|TH|SEA|ALL_YEAR|ASIA|4T|7.83|98.3|-|0.9|-|-
BLI|Bali|ID|SEA|ALL_YEAR|ASIA|4T|-8.8|115.23|-|1.0|-|-
BIN|Bintan Island|ID|SEA|ALL_YEAR|ASIA|4T|1.18|104.33|-|0.7|-|-
CHE|Cherating Beach|MY|SEA|ALL_YEAR|ASIA|3T|4.13|103.39|-|0.6|-|-
GUI|Guilin|CN|COUNTRYSIDE|ALL_YEAR|ASIA|4T|25.27|110.29|-|0.7|-|-
YAB|Yabuli|CN|MOUNTAIN|WINTER|ASIA|4T|44.77|128.45|1000|0.6|-|-
BEI|Beidahu|CN|MOUNTAIN|WINTER|ASIA|4T|43.41|126.56|1200|0.6|-|-
SAN|Sanya|CN|SEA|ALL_YEAR|ASIA|4T|18.25|109.51|-|0.8|-|-
TOM|Tomamu Hokkaido|JP|MOUNTAIN|WINTER_SUMMER|ASIA|4T|43.06|142.63|600|0.8|-|-
SAH|Sahoro Hokkaido|JP|MOUNTAIN|WINTER|ASIA|3T|43.17|142.9|500|0.6|-|-
KIR|Kiroro Peak|JP|MOUNTAIN|WINTER|ASIA|5T|43.08|140.98|570|0.6|2023-12-01|-
CUN|Cancún|MX|SEA|ALL_YEAR|CARIB|4T|21.04|-86.78|-|1.4|-|-
IXT|Ixtapa Pacific|MX|SEA|ALL_YEAR|CARIB|3T|17.66|-101.6|-|0.8|-|-
PCN|Punta Cana|DO|SEA|ALL_YEAR|CARIB|4T|18.58|-68.37|-|1.5|-|-
MIC|Michès Playa Esmeralda|DO|SEA|ALL_YEAR|CARIB|EXC|18.98|-69.05|-|0.5|2019-12-01|-
COL|Columbus Isle|BS|SEA|ALL_YEAR|CARIB|4T|24.06|-74.53|-|0.5|-|-
TUR|Turkoise|TC|SEA|ALL_YEAR|CARIB|3T|21.8|-72.2|-|0.5|-|-
BOU|Les Boucaniers|MQ|SEA|ALL_YEAR|CARIB|4T|14.47|-60.87|-|0.7|-|-
RIO|Rio das Pedras|BR|SEA|ALL_YEAR|SAM|4T|-22.97|-44.07|-|0.8|-|-
TRA|Trancoso|BR|SEA|ALL_YEAR|SAM|4T|-16.59|-39.09|-|0.6|-|-
LPA|Lake Paradise|BR|COUNTRYSIDE|ALL_YEAR|SAM|4T|-23.52|-46.19|-|0.7|-|-
SPB|Sandpiper Bay|US|SEA|ALL_YEAR|NAM|3T|27.28|-80.33|-|0.8|-|-
QUE|Québec Charlevoix|CA|MOUNTAIN|WINTER_SUMMER|NAM|4T|47.29|-70.62|800|0.9|2021-12-03|-
"""


def _optional_date(text: str) -> dt.date | None:
    return None if text == "-" else dt.date.fromisoformat(text)


def _village(line: str) -> Village:
    code, name, country, kind, season_type, region, comfort, lat, lon, alt, size, opened, closed = (
        part.strip() for part in line.split("|")
    )
    return Village(
        code=code,
        name=name,
        country=country,
        kind=kind,
        season_type=season_type,
        region=REGIONS[region],
        comfort=comfort,
        lat=float(lat),
        lon=float(lon),
        altitude=None if alt == "-" else int(alt),
        size=float(size),
        opened=_optional_date(opened),
        closed=_optional_date(closed),
    )


VILLAGES: tuple[Village, ...] = tuple(_village(line) for line in _VILLAGES.strip().splitlines())
"""The group's villages: 70 in 26 countries."""

COUNTRY_NAMES: dict[str, str] = {
    "FR": "France",
    "CH": "Suisse",
    "IT": "Italie",
    "ES": "Espagne",
    "PT": "Portugal",
    "GR": "Grèce",
    "TR": "Turquie",
    "MA": "Maroc",
    "TN": "Tunisie",
    "SN": "Sénégal",
    "MU": "Maurice",
    "SC": "Seychelles",
    "MV": "Maldives",
    "TH": "Thaïlande",
    "ID": "Indonésie",
    "MY": "Malaisie",
    "CN": "Chine",
    "JP": "Japon",
    "MX": "Mexique",
    "DO": "République dominicaine",
    "BS": "Bahamas",
    "TC": "Îles Turques-et-Caïques",
    "BR": "Brésil",
    "US": "États-Unis",
    "CA": "Canada",
    "MQ": "Martinique",
    "BE": "Belgique",
    "GB": "Royaume-Uni",
    "DE": "Allemagne",
    "NL": "Pays-Bas",
}
"""French names of the countries (villages' countries and markets), as the extracts spell them."""


class Market(NamedTuple):
    """A country customers come from, with its languages and telephone numbering."""

    country: str
    weight: float
    languages: tuple[tuple[str, float], ...]
    names: str  # key of the name lists in :mod:`people`
    dial: str  # country calling code
    trunk: str  # national trunk prefix ("0" or "")
    mobile_lead: str  # possible first digits of a mobile number
    mobile_digits: int  # national significant digits of a mobile number
    landline_lead: str
    landline_digits: int
    currency: str
    regions: tuple[str, ...]  # preferred village regions (short codes)


# country | weight | languages | names | dial | trunk | mobile lead/digits | landline
# lead/digits | currency | preferred regions
_MARKETS = """
FR | 0.50 | fr:1.0 | fr | 33 | 0 | 67/9 | 12345/9 | EUR | ALPS PYR MED AFR CARIB IND
BE | 0.08 | fr:0.6 nl:0.4 | fr | 32 | 0 | 4/9 | 2345/8 | EUR | ALPS MED AFR
CH | 0.05 | fr:0.45 de:0.45 it:0.1 | de | 41 | 0 | 7/9 | 2/9 | CHF | ALPS MED IND
GB | 0.07 | en:1.0 | en | 44 | 0 | 7/10 | 12/10 | GBP | ALPS MED CARIB
DE | 0.04 | de:1.0 | de | 49 | 0 | 1/11 | 3/10 | EUR | ALPS MED AFR
IT | 0.05 | it:1.0 | it | 39 | - | 3/10 | 0/10 | EUR | ALPS MED IND
ES | 0.03 | es:1.0 | es | 34 | - | 6/9 | 9/9 | EUR | ALPS MED CARIB
NL | 0.03 | nl:1.0 | nl | 31 | 0 | 6/9 | 12345/9 | EUR | ALPS MED
US | 0.05 | en:1.0 | en | 1 | - | 23456789/10 | 23456789/10 | USD | CARIB NAM SAM
CA | 0.03 | fr:0.5 en:0.5 | en | 1 | - | 45/10 | 45/10 | CAD | NAM CARIB ALPS
BR | 0.04 | pt:1.0 | pt | 55 | - | 1/11 | 1/10 | BRL | SAM CARIB
CN | 0.03 | zh:1.0 | zh | 86 | - | 1/11 | 2/10 | CNY | ASIA
"""


def _market(line: str) -> Market:
    country, weight, langs, names, dial, trunk, mobile, landline, currency, regions = (
        part.strip() for part in line.split("|")
    )
    mobile_lead, mobile_digits = mobile.split("/")
    landline_lead, landline_digits = landline.split("/")
    return Market(
        country=country,
        weight=float(weight),
        languages=tuple((lang, float(w)) for lang, w in (p.split(":") for p in langs.split())),
        names=names,
        dial=dial,
        trunk="" if trunk == "-" else trunk,
        mobile_lead=mobile_lead,
        mobile_digits=int(mobile_digits),
        landline_lead=landline_lead,
        landline_digits=int(landline_digits),
        currency=currency,
        regions=tuple(regions.split()),
    )


MARKETS: tuple[Market, ...] = tuple(_market(line) for line in _MARKETS.strip().splitlines())
"""The twelve customer markets."""


class Department(NamedTuple):
    """A French department, with its population in thousands."""

    code: str
    name: str
    population: int


# code | name | population (thousands); three per line
_DEPARTMENTS = """
01 | Ain | 660; 02 | Aisne | 530; 03 | Allier | 335
04 | Alpes-de-Haute-Provence | 165; 05 | Hautes-Alpes | 141; 06 | Alpes-Maritimes | 1095
07 | Ardèche | 329; 08 | Ardennes | 270; 09 | Ariège | 153
10 | Aube | 310; 11 | Aude | 375; 12 | Aveyron | 279
13 | Bouches-du-Rhône | 2043; 14 | Calvados | 695; 15 | Cantal | 144
16 | Charente | 352; 17 | Charente-Maritime | 655; 18 | Cher | 302
19 | Corrèze | 240; 2A | Corse-du-Sud | 160; 2B | Haute-Corse | 182
21 | Côte-d'Or | 534; 22 | Côtes-d'Armor | 600; 23 | Creuse | 116
24 | Dordogne | 413; 25 | Doubs | 543; 26 | Drôme | 516
27 | Eure | 599; 28 | Eure-et-Loir | 431; 29 | Finistère | 915
30 | Gard | 748; 31 | Haute-Garonne | 1400; 32 | Gers | 191
33 | Gironde | 1623; 34 | Hérault | 1176; 35 | Ille-et-Vilaine | 1079
36 | Indre | 219; 37 | Indre-et-Loire | 610; 38 | Isère | 1271
39 | Jura | 259; 40 | Landes | 413; 41 | Loir-et-Cher | 329
42 | Loire | 765; 43 | Haute-Loire | 227; 44 | Loire-Atlantique | 1429
45 | Loiret | 680; 46 | Lot | 174; 47 | Lot-et-Garonne | 331
48 | Lozère | 76; 49 | Maine-et-Loire | 818; 50 | Manche | 495
51 | Marne | 566; 52 | Haute-Marne | 172; 53 | Mayenne | 307
54 | Meurthe-et-Moselle | 733; 55 | Meuse | 184; 56 | Morbihan | 750
57 | Moselle | 1046; 58 | Nièvre | 204; 59 | Nord | 2608
60 | Oise | 829; 61 | Orne | 279; 62 | Pas-de-Calais | 1465
63 | Puy-de-Dôme | 662; 64 | Pyrénées-Atlantiques | 682; 65 | Hautes-Pyrénées | 229
66 | Pyrénées-Orientales | 479; 67 | Bas-Rhin | 1140; 68 | Haut-Rhin | 764
69 | Rhône | 1875; 70 | Haute-Saône | 235; 71 | Saône-et-Loire | 551
72 | Sarthe | 566; 73 | Savoie | 436; 74 | Haute-Savoie | 826
75 | Paris | 2166; 76 | Seine-Maritime | 1255; 77 | Seine-et-Marne | 1421
78 | Yvelines | 1448; 79 | Deux-Sèvres | 374; 80 | Somme | 570
81 | Tarn | 389; 82 | Tarn-et-Garonne | 260; 83 | Var | 1076
84 | Vaucluse | 561; 85 | Vendée | 685; 86 | Vienne | 438
87 | Haute-Vienne | 372; 88 | Vosges | 364; 89 | Yonne | 335
90 | Territoire de Belfort | 141; 91 | Essonne | 1301; 92 | Hauts-de-Seine | 1624
93 | Seine-Saint-Denis | 1644; 94 | Val-de-Marne | 1407; 95 | Val-d'Oise | 1249
971 | Guadeloupe | 384; 972 | Martinique | 361; 973 | Guyane | 286
974 | La Réunion | 861; 976 | Mayotte | 256
"""

DEPARTMENTS: tuple[Department, ...] = tuple(
    Department(code.strip(), name.strip(), int(pop))
    for line in _DEPARTMENTS.strip().splitlines()
    for code, name, pop in (item.split("|") for item in line.split(";"))
)
"""France's departments with their population (thousands of inhabitants)."""

# fmt: off
MOUNTAIN_DEPARTMENTS: frozenset[str] = frozenset({
    "04", "05", "06", "09", "38", "64", "65", "66", "73", "74", "2A", "2B", "25", "39", "63",
    "15", "88", "68",
})
# fmt: on
"""Departments with ski areas: close to the mountain, and practising ski more."""

# fmt: off
COASTAL_DEPARTMENTS: frozenset[str] = frozenset({
    "06", "11", "13", "14", "17", "22", "29", "2A", "2B", "30", "33", "34", "35", "40", "44",
    "50", "56", "59", "62", "64", "66", "76", "80", "83", "85", "971", "972", "973", "974",
    "976",
})
# fmt: on
"""Departments on the coast."""

AFFLUENCE: dict[str, float] = {
    "75": 1.0, "92": 1.1, "78": 0.9, "74": 0.6, "69": 0.4, "06": 0.3, "31": 0.3, "33": 0.3,
    "91": 0.4, "94": 0.2, "77": 0.2, "95": 0.1, "67": 0.3, "13": 0.1, "38": 0.3, "44": 0.3,
    "01": 0.4, "73": 0.3, "35": 0.2, "34": 0.1, "64": 0.2, "21": 0.1, "83": 0.1, "93": -0.6,
    "02": -0.4, "08": -0.4, "11": -0.4, "23": -0.5, "59": -0.3, "62": -0.4, "66": -0.4,
    "971": -0.6, "972": -0.5, "973": -0.8, "974": -0.6, "976": -1.2,
}  # fmt: skip
"""Mean affluence of a department's zones (standard deviations from the national mean)."""
