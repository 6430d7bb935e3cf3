"""Reference lists for people and addresses: first and last names, streets, cities, e-mail domains.

Grouped by naming culture (``fr``, ``en``, ``de``, ``it``, ``es``, ``nl``, ``pt``,
``zh``), the key a market names in :data:`places.MARKETS`. French lists carry
accents on purpose: the extracts spell the same name with and without them.
"""

from __future__ import annotations

from typing import NamedTuple


def _words(text: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(sep) if w.strip())


class NameList(NamedTuple):
    """First names by sex and last names of one naming culture."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]


NAMES: dict[str, NameList] = {
    "fr": NameList(
        _words(
            "Marie, Nathalie, Isabelle, Sylvie, Catherine, Hélène, Élodie, Céline, Sophie, "
            "Anne, Camille, Léa, Chloé, Manon, Inès, Zoé, Anaïs, Noémie, Maëlle, Gaëlle, "
            "Séverine, Thérèse, Aurélie, Émilie, Valérie, Sandrine, Julie, Laure, Agnès, "
            "Françoise, Brigitte, Clémence, Margaux, Mélanie, Pauline"
        ),
        _words(
            "Jean, Pierre, Michel, Philippe, Alain, Nicolas, Christophe, Stéphane, Frédéric, "
            "Jérôme, François, Benoît, Loïc, Raphaël, Noël, Thomas, Julien, Antoine, Hugo, "
            "Lucas, Mathéo, Clément, Sébastien, Cédric, Hervé, Rémi, Grégory, Olivier, "
            "Laurent, Éric, Jean-Pierre, Jean-François, Guillaume, Arnaud, Yannick"
        ),
        _words(
            "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, "
            "Simon, Laurent, Lefèvre, Lefebvre, Michel, Garcia, David, Bertrand, Roux, Vincent, "
            "Fournier, Morel, Girard, André, Mercier, Dupont, Lambert, Bonnet, François, "
            "Martinez, Legrand, Garnier, Faure, Rousseau, Blanc, Guérin, Muller, Henry, Roussel, "
            "Nicolas, Perrin, Morin, Mathieu, Clément, Gauthier, Dumont, Lopez, Fontaine, "
            "Chevalier, Robin, Ménard, Bénard, Rivière, Lemaître, Gérard, Brunet, Boyer, "
            "Château, Fréchet, Hébert, Pâris, Le Gall, Le Goff, De La Fontaine, Noël, Benoît"
        ),
    ),
    "en": NameList(
        _words(
            "Olivia, Emma, Amelia, Isla, Sophie, Emily, Charlotte, Grace, Lucy, Hannah, Sarah, "
            "Jessica, Laura, Rachel, Rebecca, Claire, Victoria, Megan, Ashley, Jennifer"
        ),
        _words(
            "Oliver, George, Harry, Jack, James, William, Thomas, Daniel, Matthew, Michael, "
            "David, Andrew, Richard, Christopher, Robert, John, Paul, Mark, Steven, Ryan"
        ),
        _words(
            "Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Johnson, Roberts, "
            "Walker, Wright, Thompson, Robinson, White, Hughes, Edwards, Green, Hall, Wood, "
            "Clarke, Jackson, Harris, Martin, Cooper, O'Brien, O'Connor, McDonald, Miller, Moore"
        ),
    ),
    "de": NameList(
        _words(
            "Anna, Lena, Lea, Hannah, Sophie, Julia, Laura, Katharina, Sabine, Petra, Ursula, "
            "Monika, Jutta, Claudia, Andrea, Stefanie, Jana, Lisa, Maria, Greta"
        ),
        _words(
            "Lukas, Leon, Jonas, Felix, Maximilian, Paul, Thomas, Michael, Andreas, Stefan, "
            "Jürgen, Klaus, Wolfgang, Matthias, Markus, Tobias, Florian, Sebastian, Jörg, Uwe"
        ),
        _words(
            "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, "
            "Hoffmann, Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, "
            "Schwarz, Zimmermann, Braun, Krüger, Hofmann, Hartmann, Lange, Keller, Frei, Huber"
        ),
    ),
    "it": NameList(
        _words(
            "Giulia, Sofia, Aurora, Alice, Ginevra, Emma, Giorgia, Francesca, Chiara, Elena, "
            "Federica, Valentina, Silvia, Paola, Laura, Martina, Sara, Alessandra"
        ),
        _words(
            "Leonardo, Francesco, Alessandro, Lorenzo, Mattia, Andrea, Gabriele, Marco, "
            "Giuseppe, Luca, Matteo, Davide, Stefano, Giovanni, Roberto, Paolo, Nicolò, Fabrizio"
        ),
        _words(
            "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, "
            "Bruno, Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, "
            "Barbieri, Fontana, Santoro, Mariani, Rinaldi, Caruso, Ferrara, Galli, D'Angelo"
        ),
    ),
    "es": NameList(
        _words(
            "Lucía, María, Paula, Sofía, Martina, Julia, Carmen, Laura, Ana, Marta, Elena, "
            "Cristina, Isabel, Raquel, Nuria, Pilar, Rocío, Inés"
        ),
        _words(
            "Hugo, Martín, Lucas, Mateo, Daniel, Pablo, Alejandro, Javier, José, Antonio, "
            "Manuel, Francisco, David, Carlos, Jesús, Sergio, Álvaro, Íñigo"
        ),
        _words(
            "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, "
            "Martín, Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Navarro, "
            "Torres, Domínguez, Vázquez, Ramos, Gil, Ramírez, Serrano, Blanco, Molina"
        ),
    ),
    "nl": NameList(
        _words(
            "Emma, Julia, Mila, Tess, Sophie, Zoë, Sara, Anna, Eva, Lotte, Fleur, Sanne, "
            "Anouk, Femke, Marieke, Ingrid, Els, Annelies"
        ),
        _words(
            "Noah, Sem, Liam, Lucas, Daan, Finn, Levi, Luuk, Bram, Jesse, Thijs, Ruben, Joost, "
            "Pieter, Jan, Kees, Wouter, Maarten"
        ),
        _words(
            "De Jong, Jansen, De Vries, Van den Berg, Van Dijk, Bakker, Janssen, Visser, Smit, "
            "Meijer, De Boer, Mulder, De Groot, Bos, Vos, Peters, Hendriks, Van Leeuwen, "
            "Dekker, Brouwer, De Wit, Dijkstra, Smits, De Graaf, Van der Meer, Peeters, Maes"
        ),
    ),
    "pt": NameList(
        _words(
            "Maria, Ana, Beatriz, Júlia, Larissa, Camila, Fernanda, Gabriela, Letícia, "
            "Mariana, Patrícia, Juliana, Aline, Bruna, Luíza, Vitória"
        ),
        _words(
            "João, Pedro, Lucas, Gabriel, Rafael, Gustavo, Felipe, Bruno, Rodrigo, Thiago, "
            "Mateus, André, Luís, Marcelo, Vinícius, Fábio"
        ),
        _words(
            "Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, "
            "Costa, Ribeiro, Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, "
            "Barbosa, Araújo, Conceição, Magalhães, Gonçalves"
        ),
    ),
    "zh": NameList(
        _words("Na, Fang, Min, Jing, Li, Yan, Xin, Mei, Lin, Hui, Ying, Xiu, Lan, Hong, Yu"),
        _words("Wei, Jun, Lei, Tao, Ming, Hao, Jie, Qiang, Yong, Bo, Chao, Peng, Hui, Gang, Feng"),
        _words(
            "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, "
            "Guo, He, Gao, Lin, Luo"
        ),
    ),
}
"""Names by naming culture."""


class StreetList(NamedTuple):
    """Street names of one culture and where the house number goes."""

    streets: tuple[str, ...]
    number_first: bool


STREETS: dict[str, StreetList] = {
    "fr": StreetList(
        _words(
            "rue de la République, avenue Victor Hugo, boulevard Gambetta, rue des Écoles, "
            "place de l'Église, chemin des Vignes, allée des Tilleuls, impasse du Moulin, "
            "rue Pasteur, rue Jean Jaurès, avenue du Général de Gaulle, rue du Château, "
            "route de Lyon, rue des Lilas, rue de la Gare, quai Saint-Michel, rue Nationale, "
            "avenue Foch, rue Émile Zola, rue des Prés, boulevard de la Liberté, rue Molière, "
            "rue de la Fontaine, chemin de la Forêt, rue Saint-Honoré, avenue des Châtaigniers, "
            "rue du Four, rue de Verdun, rue Carnot, rue Voltaire, allée des Pins, "
            "rue du Maréchal Leclerc, rue de l'Abbé Grégoire, rue des Érables, avenue de la Mer"
        ),
        number_first=True,
    ),
    "en": StreetList(
        _words(
            "High Street, Station Road, Main Street, Church Lane, Park Road, Victoria Road, "
            "Green Lane, Manor Road, Oak Avenue, Elm Street, Maple Drive, Kings Road, "
            "Queens Road, Mill Lane, Cedar Court, Lake Shore Drive, Sunset Boulevard, Pine Street"
        ),
        number_first=True,
    ),
    "de": StreetList(
        _words(
            "Hauptstraße, Bahnhofstraße, Schulstraße, Gartenstraße, Dorfstraße, Bergstraße, "
            "Lindenstraße, Kirchstraße, Schillerstraße, Goethestraße, Am Markt, Rosenweg, "
            "Waldstrasse, Seestrasse, Rue du Lac, Avenue de la Gare"
        ),
        number_first=False,
    ),
    "it": StreetList(
        _words(
            "Via Roma, Via Garibaldi, Via Mazzini, Corso Italia, Via Dante, Via Verdi, "
            "Piazza della Libertà, Via Cavour, Viale Europa, Via San Francesco, Via dei Mille"
        ),
        number_first=False,
    ),
    "es": StreetList(
        _words(
            "Calle Mayor, Calle de Alcalá, Gran Vía, Calle Real, Avenida de la Constitución, "
            "Calle del Sol, Paseo de Gracia, Calle San Juan, Plaza de España, Calle Nueva"
        ),
        number_first=False,
    ),
    "nl": StreetList(
        _words(
            "Kerkstraat, Dorpsstraat, Schoolstraat, Molenweg, Stationsstraat, Julianastraat, "
            "Beatrixlaan, Wilhelminastraat, Rue de la Station, Avenue Louise, Chaussée de Waterloo"
        ),
        number_first=False,
    ),
    "pt": StreetList(
        _words(
            "Rua das Flores, Avenida Paulista, Rua Augusta, Rua da Consolação, Avenida Atlântica, "
            "Rua Oscar Freire, Rua XV de Novembro, Avenida Brasil, Rua Sete de Setembro"
        ),
        number_first=False,
    ),
    "zh": StreetList(
        _words(
            "Nanjing Road, Huaihai Road, Changan Avenue, Wangfujing Street, Jianguo Road, "
            "Zhongshan Road, Renmin Road, Century Avenue"
        ),
        number_first=True,
    ),
}
"""Street names by culture."""

CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    market: tuple(
        (city.strip(), code.strip()) for city, code in (p.split("=") for p in text.split(";"))
    )
    for market, text in {
        "BE": "Bruxelles=1000; Uccle=1180; Liège=4000; Namur=5000; Gent=9000; Antwerpen=2000; "
        "Waterloo=1410; Wavre=1300",
        "CH": "Genève=1201; Lausanne=1003; Zürich=8001; Bern=3011; Basel=4051; Lugano=6900; "
        "Sion=1950",
        "GB": "London=SW1A 1AA; London=W8 4PT; Manchester=M1 1AE; Bristol=BS1 4DJ; "
        "Edinburgh=EH1 1YZ; Leeds=LS1 4AP; Guildford=GU1 3AA",
        "DE": "München=80331; Berlin=10115; Hamburg=20095; Frankfurt am Main=60311; "
        "Stuttgart=70173; Köln=50667; Düsseldorf=40213",
        "IT": "Milano=20121; Roma=00184; Torino=10121; Bologna=40121; Firenze=50122; "
        "Napoli=80132; Genova=16121",
        "ES": "Madrid=28013; Barcelona=08001; Valencia=46001; Sevilla=41001; Bilbao=48001; "
        "Málaga=29001",
        "NL": "Amsterdam=1012 AB; Rotterdam=3011 AD; Den Haag=2511 BT; Utrecht=3511 AX; "
        "Eindhoven=5611 AZ",
        "US": "New York=10001; Boston=02108; Miami=33101; Chicago=60601; Los Angeles=90001; "
        "San Francisco=94102; Washington=20001",
        "CA": "Montréal=H2X 1Y4; Québec=G1R 4P5; Toronto=M5H 2N2; Ottawa=K1P 1J1; "
        "Vancouver=V6B 1A1",
        "BR": "São Paulo=01310-100; Rio de Janeiro=20040-002; Belo Horizonte=30130-010; "
        "Curitiba=80010-000; Brasília=70040-010",
        "CN": "Shanghai=200001; Beijing=100005; Shenzhen=518000; Guangzhou=510000; Hangzhou=310000",
    }.items()
}
"""Cities and a postal code of each, for the markets outside France."""

EMAIL_DOMAINS: dict[str, tuple[tuple[str, float], ...]] = {
    market: tuple(
        (domain.strip(), float(weight))
        for domain, weight in (p.split("=") for p in text.split(";"))
    )
    for market, text in {
        "FR": "gmail.com=0.30; orange.fr=0.16; hotmail.fr=0.10; free.fr=0.09; yahoo.fr=0.07; "
        "wanadoo.fr=0.07; sfr.fr=0.05; laposte.net=0.05; outlook.fr=0.04; icloud.com=0.04; "
        "neuf.fr=0.03",
        "BE": "gmail.com=0.4; skynet.be=0.2; telenet.be=0.2; hotmail.com=0.2",
        "CH": "gmail.com=0.4; bluewin.ch=0.35; gmx.ch=0.25",
        "GB": "gmail.com=0.4; btinternet.com=0.2; hotmail.co.uk=0.2; yahoo.co.uk=0.2",
        "DE": "gmail.com=0.3; gmx.de=0.3; web.de=0.3; t-online.de=0.1",
        "IT": "gmail.com=0.5; libero.it=0.3; virgilio.it=0.2",
        "ES": "gmail.com=0.6; hotmail.es=0.25; yahoo.es=0.15",
        "NL": "gmail.com=0.5; ziggo.nl=0.25; kpnmail.nl=0.25",
        "US": "gmail.com=0.5; yahoo.com=0.2; outlook.com=0.15; aol.com=0.15",
        "CA": "gmail.com=0.5; videotron.ca=0.25; hotmail.com=0.25",
        "BR": "gmail.com=0.5; uol.com.br=0.25; hotmail.com=0.25",
        "CN": "qq.com=0.5; 163.com=0.3; gmail.com=0.2",
    }.items()
}
"""E-mail domains by market, with their weights."""

COMMUNE_ROOTS: tuple[str, ...] = _words(
    "Saint-Martin, Saint-Jean, Sainte-Marie, Saint-Pierre, Villeneuve, Beaumont, Montfort, "
    "Châteauneuf, Fontaine, Bourg, Neuville, Belleville, Rochefort, Clairvaux, Champagne, "
    "Mont, Val, Bois, Roche, Pont, Villers, Mesnil, Plessis, Chassagne, Vaux, Marsac, "
    "Lacroix, Castelnau, Montreuil, Charmes, Saint-Didier, Saint-Genis, Saint-Rémy"
)
"""Roots of the simulated French commune names."""

COMMUNE_SUFFIXES: tuple[str, ...] = (
    "",
    "",
    "",
    "-sur-Mer",
    "-sur-Loire",
    "-sur-Seine",
    "-les-Bains",
    "-en-Vercors",
    "-le-Château",
    "-la-Forêt",
    "-de-Provence",
    "-du-Lac",
    "-sur-Isère",
    "-en-Bresse",
    "-le-Grand",
)
"""Suffixes of the simulated French commune names."""

IRIS_NAMES: tuple[str, ...] = _words(
    "Centre, Centre-Ville, Gare, Hôtel de Ville, Les Tilleuls, Le Bourg, Les Prés, "
    "La Croix, Le Stade, Les Hauts, Quartier Nord, Quartier Sud, Les Vignes, Le Port, "
    "La Plaine, Bel Air, Les Chênes, Le Moulin, Zone d'Activités, Les Coteaux"
)
"""Names of IRIS zones within a commune."""
