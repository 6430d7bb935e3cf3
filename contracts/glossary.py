"""The business's words (French, as the resort group speaks and as its analyses are
written) and the contracts' English words for them, declared once for the whole mesh.

The catalog finds a product under a term when the product's name, tags, description or
columns use one of the term's English words: a consumer searching *foyer* or *taux de
retour* finds the households and the return-rate products.
"""

from __future__ import annotations

from mesh_platform.contract.glossary import Term, declare_terms

TERMS = declare_terms(
    Term("foyer", ("household",), "Customers sharing one postal address."),
    Term("client", ("customer",), "A person known to the group, resolved across sources."),
    Term("chiffre d'affaires", ("revenue", "amount eur"), "Revenue, in euros (CA)."),
    Term("CA", ("revenue",), "Chiffre d'affaires: revenue."),
    Term("vente", ("sale", "sales line"), "A sale, one line of a transaction."),
    Term("réservation", ("booking",), "A booking of a stay."),
    Term("séjour", ("stay",), "A stay in a village."),
    Term("village", ("village",), "A resort village of the group."),
    Term("taux d'occupation", ("occupancy",), "Beds occupied over beds on sale."),
    Term("avis", ("review", "survey"), "A guest's review after a stay."),
    Term("note", ("rating",), "A guest's rating of a village."),
    Term("recommandation", ("nps", "recommend", "promoter"), "Net Promoter Score."),
    Term("campagne", ("campaign",), "A CRM campaign (e-mail or SMS)."),
    Term("envoi", ("send", "sent"), "One message of a campaign sent to a customer."),
    Term("ouverture", ("open",), "A campaign message opened."),
    Term("clic", ("click",), "A click in a campaign message."),
    Term("désabonnement", ("unsubscribe",), "A customer leaving a campaign list."),
    Term("animé", ("animated",), "A household reached by CRM campaigns in a season."),
    Term("taux de retour", ("return rate", "returning"), "Households coming back next season."),
    Term("fidèles", ("fideles", "loyal"), "The loyal customers' segment (FIDELES)."),
    Term("segmentation", ("segment", "rfm"), "The RFM segments of households."),
    Term(
        "matrice de passage",
        ("transition",),
        "Households moving from a segment to another between two seasons.",
    ),
    Term("appétence", ("appetence", "propensity"), "A customer's taste for a campaign."),
    Term(
        "mouvements générés",
        ("generated move", "movements generated"),
        "Segment moves the recommended campaign settings bring about (UP, DOWN avoided).",
    ),
    Term("pertes évitées", ("avoided loss",), "Euros of downward moves the settings avoid."),
    Term("gains estimés", ("expected gain",), "Euros of upward moves the settings bring."),
    Term("lead scoring", ("lead score",), "A customer's potential to book a resort in a period."),
    Term("zone de prospection", ("prospection",), "IRIS zones scored for prospection."),
    Term("département", ("department",), "A French department."),
    Term("produit", ("product catalog", "catalogue", "product famil"), "The offer sold."),
    Term("famille de produits", ("product famil",), "A family of the catalogue's products."),
    Term("appel", ("call",), "A call to the contact centre."),
    Term("canal", ("channel",), "The channel of a sale or a contact."),
    Term("consentement", ("consent", "opt in"), "A customer's consent to be contacted."),
    Term("saison", ("season",), "A season, November to October."),
    Term("achat média", ("media spend", "paid media"), "Paid media spend."),
    Term("site web", ("web session", "web"), "Visits to the group's websites."),
)
