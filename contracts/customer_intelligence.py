"""Contracts of the customer intelligence domain (team CRM Lab).

The CRM lab's analyses, computed from the other domains' products: RFM segments of
households over five seasons, the season-to-season transitions between segments,
the concentration of revenue, lead scores and campaign appetence.

Segments are ordered by value; the order decides whether a move is UP or DOWN:
ADDICTS (6) > FIDELES (5) > OCCASIONNELS (4) > NOUVEAUX (3) > INACTIFS (2) >
ONE TIMER (1).
"""

from __future__ import annotations

from typing import Literal

from contracts.campaigns import MainHighlight, SecondaryHighlight, SubjectType
from contracts.common import (
    CRM_LAB,
    WEEKLY,
    CustomerId,
    HouseholdId,
    MoneyEUR,
    NonNegativeMoneyEUR,
    Rate,
    Season,
    Timestamp,
    VillageId,
)
from contracts.customers.customer_consent import consent_for
from mesh_platform.contract import Classification, DataContract, Privacy, Tolerance, column
from mesh_platform.contract.ranking import Ranking, register_ranking

Segment = Literal["ADDICTS", "FIDELES", "OCCASIONNELS", "ONE TIMER", "NOUVEAUX", "INACTIFS"]
"""The six RFM segments of the CRM lab, labels kept as the business uses them."""

SegmentOrOut = Literal[
    "ADDICTS", "FIDELES", "OCCASIONNELS", "ONE TIMER", "NOUVEAUX", "INACTIFS", "OUT"
]
"""A segment, or OUT for a household without any purchase in the five-season window."""

SEGMENTS_BY_VALUE = register_ranking(
    Ranking("segment", ("ADDICTS", "FIDELES", "OCCASIONNELS", "NOUVEAUX", "INACTIFS", "ONE TIMER"))
)
"""Value order of the segments, best first; SQL reads it as ``RANK_OF(segment, 'segment')``."""

SEGMENT_RANK: dict[str, int] = SEGMENTS_BY_VALUE.ranks()
"""Rank of each segment (ADDICTS 6 ... ONE TIMER 1; higher is better): a move to a higher
rank is UP."""

Weekday = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
"""Day of the week."""

TimeSlot = Literal["MORNING", "AFTERNOON", "EVENING"]
"""Part of the day in Europe/Paris time: MORNING 06:00-11:59, AFTERNOON 12:00-17:59,
EVENING 18:00-05:59 (the seed's Matin, Après-midi, Soirée)."""

_HOUSEHOLD_RATIONALE = (
    "Household identifier: designates the people living at one postal address "
    "(pseudonymous), so indirect PII under GDPR; the unit of the CRM analyses."
)
_CUSTOMER_RATIONALE = (
    "Resolved customer identifier: links the row to one person (pseudonymous), so "
    "indirect PII under GDPR; the scores are profiling and follow the customer's consent."
)


class RfmSegments(
    DataContract,
    domain="customer_intelligence",
    product="rfm_segments",
    version="1.0.0",
    owner=CRM_LAB,
    grain=("household_id", "season"),
    freshness=WEEKLY,
    tags=("crm", "segmentation", "rfm"),
):
    """Each household's RFM segment per season, from five seasons of purchases.

    Grain: (``household_id``, ``season``). Sources: ``sales.sales_lines`` (lines of
    cancelled contracts excluded; amount = sale amount taxes included, net of
    discount; a line belongs to the season of its stay's arrival date, or of its
    sale date when it has no stay) and ``customers.households`` (the household of
    the line's customer). Seasons run from November to October.

    For a season S, the window is the five seasons S-4 .. S. A household *bought*
    in a season when its net amount in that season is > 0. A household has a row
    for S exactly when it bought in at least one season of the window. Then:

    - ``frequency_seasons`` F = number of window seasons in which it bought (1..5);
    - ``recency_seasons`` R = S minus the last season in which it bought (0..4);
    - ``amount_eur`` M = its net amount over the window (> 0).

    Segment rules (exhaustive and disjoint over every possible (R, F)):

    - ADDICTS: F = 5 (bought in each of the five seasons, so R = 0);
    - FIDELES: F = 3 or 4 and R <= 1;
    - OCCASIONNELS: F = 2 and R <= 1;
    - NOUVEAUX: F = 1 and R = 0 (first purchase of the window, this season);
    - ONE TIMER: F = 1 and R >= 1 (one season of purchase, not this one);
    - INACTIFS: F = 2 or 3 and R >= 2 (bought repeatedly, but not in the last two
      seasons).

    (F = 4 implies R <= 1 and F = 5 implies R = 0, so no other case exists.)
    ``segment_rank`` is the value order used for UP and DOWN moves: ADDICTS 6,
    FIDELES 5, OCCASIONNELS 4, NOUVEAUX 3, INACTIFS 2, ONE TIMER 1.
    """

    household_id: HouseholdId = column(
        "The household (customers sharing one postal address, from customers.households).",
        classification=Classification.INDIRECT_PII,
        rationale=_HOUSEHOLD_RATIONALE,
        references="customers.households.household_id",
    )
    season: Season = column("The season S the segment is computed for (last season of the window).")
    window_first_season: Season = column("First season of the five-season window, S-4.")
    recency_seasons: int = column(
        "R: seasons since the last season with a purchase (0 = bought in S).", ge=0, le=4
    )
    frequency_seasons: int = column("F: seasons of the window with a purchase.", ge=1, le=5)
    amount_eur: MoneyEUR = column(
        "M: net amount bought over the window, euros taxes included.", gt=0
    )
    season_amount_eur: MoneyEUR = column(
        "Net amount bought in season S alone, euros taxes included.", ge=0
    )
    last_purchase_season: Season = column("Last season of the window with a purchase, S-R.")
    segment: Segment = column("The household's segment for season S, by the rules above.")
    segment_rank: int = column(
        "Value rank of the segment (ADDICTS 6 ... ONE TIMER 1), for UP and DOWN moves.",
        ge=1,
        le=6,
    )


class SegmentTransitions(
    DataContract,
    domain="customer_intelligence",
    product="segment_transitions",
    version="1.0.0",
    owner=CRM_LAB,
    grain=("season_from", "season_to", "segment_from", "segment_to"),
    freshness=WEEKLY,
    tags=("crm", "segmentation", "transitions"),
):
    """The season-to-season transition matrix between RFM segments.

    Grain: (``season_from``, ``season_to``, ``segment_from``, ``segment_to``), with
    ``season_to`` the season after ``season_from``; one row per observed cell
    (``households`` >= 1). Source: ``customer_intelligence.rfm_segments``.

    A household without a row in a season (no purchase in its five-season window)
    is OUT in that season. By the segment rules, the only entry is OUT -> NOUVEAUX
    and the only exit is ONE TIMER -> OUT (a purchase five seasons ago leaving the
    window); households OUT in both seasons are not counted. ``share_of_segment_from``
    = households / households of ``segment_from`` in ``season_from``, so the shares
    of one ``segment_from`` sum to 1. ``move`` compares segment ranks (see
    ``rfm_segments``): UP, DOWN or STABLE, ENTRY from OUT, EXIT to OUT.
    """

    season_from: Season = column("The earlier season.")
    season_to: Season = column("The season after season_from.")
    segment_from: SegmentOrOut = column("Segment in season_from (OUT: not in the base).")
    segment_to: SegmentOrOut = column("Segment in season_to (OUT: left the base).")
    move: Literal["UP", "DOWN", "STABLE", "ENTRY", "EXIT"] = column(
        "Direction of the move, by segment rank."
    )
    households: int = column("Households that made this move.", ge=1)
    share_of_segment_from: Rate = column(
        "households / households of segment_from in season_from (row share of the matrix)."
    )
    season_to_amount_eur: MoneyEUR = column(
        "Net amount these households bought in season_to, euros taxes included.", ge=0
    )


class RevenueConcentration(
    DataContract,
    domain="customer_intelligence",
    product="revenue_concentration",
    version="1.0.0",
    owner=CRM_LAB,
    grain=("household_id", "season"),
    freshness=WEEKLY,
    tags=("crm", "revenue", "pareto"),
):
    """Cumulative revenue by household rank over five seasons: the concentration curve.

    Grain: (``household_id``, ``season``), the five-season window S-4 .. S, over the
    same households and amounts as ``customer_intelligence.rfm_segments`` (every
    household with a purchase in the window; revenue = its ``amount_eur``).
    Households are ranked by revenue, highest first (ties broken by household_id);
    ``cumulative_households_share`` = rank / households of the window and
    ``cumulative_revenue_share`` = revenue of ranks 1..rank / revenue of the window.
    Reading the curve at a households share gives the seed's figure: about 3% of
    households make about 33% of revenue. ``segment`` lets the curve be coloured by
    RFM segment.
    """

    household_id: HouseholdId = column(
        "The household (customers sharing one postal address, from customers.households).",
        classification=Classification.INDIRECT_PII,
        rationale=_HOUSEHOLD_RATIONALE,
        references="customers.households.household_id",
    )
    season: Season = column("Last season S of the five-season window.")
    window_first_season: Season = column("First season of the window, S-4.")
    segment: Segment = column("The household's RFM segment for season S.")
    revenue_eur: MoneyEUR = column("Net amount bought over the window, euros taxes included.", gt=0)
    revenue_rank: int = column("Rank by revenue in the window, 1 = highest.", ge=1)
    revenue_share: Rate = column("revenue_eur / revenue of the window.")
    cumulative_households_share: Rate = column(
        "Share of the window's households ranked at or above this one.", gt=0
    )
    cumulative_revenue_share: Rate = column(
        "Share of the window's revenue made by households ranked at or above this one.", gt=0
    )


class LeadScores(
    DataContract,
    domain="customer_intelligence",
    product="lead_scores",
    version="1.1.0",
    owner=CRM_LAB,
    grain=("customer_id", "village_id", "season"),
    freshness=WEEKLY,
    tags=("crm", "scoring", "personalisation", "gdpr"),
    # Scores are used to contact customers (e-mail campaigns, call-centre call lists):
    # only customers who may be contacted on one of those channels are published.
    privacy=Privacy(consent=consent_for("marketing", "email", "phone")),
    tolerance=Tolerance(left_out={"out_of_scope:no_consent": 0.5}),
):
    """Purchase potential of each customer for a stay in a village (the resort) during
    a season (the period): the seed's *capacité à réserver un séjour dans tel resort à
    tel période*.

    Grain: (``customer_id``, ``village_id``, ``season``). Sources:
    ``sales.sales_lines``, ``bookings.bookings``, ``web.web_sessions``,
    ``web.customer_affinities``, ``telephony.calls``, ``campaigns.campaign_sends``,
    ``resorts.villages``, ``customer_intelligence.rfm_segments`` and
    ``customers.customer_profile`` (the customer's household).

    ``score`` is a calibrated probability that the customer books a stay in the
    village with an arrival in the season: among rows scored 0.2, about one in five
    books. Scored: every customer with a purchase, a booking or an identified web
    session in the last five seasons, for the current season and the next, on the
    operating villages; only the five best villages of each customer and season are
    published (``rank_for_customer`` 1..5). ``decile`` = decile of the score among all
    rows of the season (10 = the top 10%). ``predicted_revenue_eur`` = score x the
    customer's mean booking amount (the village's mean when the customer has no
    booking). ``maturity``: ``hot`` after a dated search or a sales call about the
    village in the last 30 days, ``warm`` after a session on the village or a campaign
    click in the last 90 days, ``cold`` otherwise.

    **Model card.**

    - *Data*: candidate (customer, village) pairs of past seasons: the villages of the
      customer's past stays, web sessions and sales calls of the past year, and the
      five most booked villages of the last complete season.
    - *Features* (known at the start of the season): stays in the village and overall,
      seasons since the last stay there, mean booking amount, web sessions and dated
      searches of the village, sales calls about it, campaign clicks (90 and 365
      days), affinity for the village's type, the village's share of last season's
      stays, the household's RFM of the previous season.
    - *Target*: a booking (not cancelled) of the village with an arrival in the season.
    - *Evaluation* (materialisation metadata, with ``model_version``): ``evaluation``,
      the ranking on the last complete season, held out from the fit (ROC AUC, average
      precision, log loss against the base rate, Brier, lift of the top decile);
      ``calibration``, the Platt map's effect on half of that season's customers
      (metrics and expected calibration error, raw and calibrated) and its
      ``reliability`` table: per decile of the calibrated score, its rows, mean score
      and observed booking rate.
    - *Known limits*: a gradient-boosting classifier of past seasons, calibrated on
      the last complete one; a booking rate that moves from one season to the next
      moves the calibration with it; the next season is scored with today's features,
      further ahead than the model learnt; candidates outside the customer's history
      and the popular villages are not scored.

    Consent: only customers contactable (``customers.customer_consent``) by e-mail or
    phone when the product is built are published; the others' scores are left out
    (``out_of_scope:no_consent``). Deciles are ranked among every scored row.
    """

    customer_id: CustomerId = column(
        "The customer, as resolved by the customers domain.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    village_id: VillageId = column(
        "The village of the potential stay.", references="resorts.villages.village_id"
    )
    season: Season = column("Season of the potential stay's arrival.")
    score: Rate = column(
        "Calibrated probability of a booking of this village for this season (see the "
        "reliability table of the materialisation)."
    )
    rank_for_customer: int = column(
        "Rank of the village among the customer's scores for the season, 1 = best.",
        ge=1,
        le=5,
    )
    decile: int = column("Decile of the score in the season, 10 = highest.", ge=1, le=10)
    predicted_revenue_eur: MoneyEUR = column(
        "Expected revenue: score x expected booking amount, euros taxes included.", ge=0
    )
    maturity: Literal["cold", "warm", "hot"] = column(
        "How close the customer is to buying this village, from recent behaviour."
    )
    model_version: str = column(
        "Version of the scoring model.", min_length=1, max_length=64, examples=["lead-2024.11.1"]
    )
    scored_at: Timestamp = column("When the score was computed.")


class CampaignAppetence(
    DataContract,
    domain="customer_intelligence",
    product="campaign_appetence",
    version="2.0.0",
    owner=CRM_LAB,
    grain=("customer_id",),
    freshness=WEEKLY,
    tags=("crm", "campaigns", "prediction", "personalisation", "uplift", "gdpr"),
    # Recommendations drive e-mail campaigns: only customers who may be e-mailed.
    privacy=Privacy(consent=consent_for("marketing", "email")),
    tolerance=Tolerance(left_out={"out_of_scope:no_consent": 0.5}),
):
    """Per customer, the campaign settings most likely to trigger an action, and the
    segment movements and euros those settings generate.

    Grain: ``customer_id``: every customer with at least one send in
    ``campaigns.campaign_sends`` whose household has a segment in the latest season
    (a household without purchase in the window has no segment to move from).
    Sources: ``campaigns.campaign_sends`` (the learning base, one row per send),
    ``bookings.bookings``, ``customer_intelligence.rfm_segments``,
    ``customers.customer_profile`` (the customer's household) and
    ``customers.households``.

    **Settings.** A send *triggers an action* when it is clicked, opened at least
    twice, or followed by a booking of its customer within seven days. The recommended
    settings are the combination of the seven settings (main and secondary highlight,
    subject type, send day and time slot in Europe/Paris time, powder alarm and
    stay-cycle mails) with the highest predicted probability of an action
    (``recommended_action_probability``); ``baseline_action_probability`` is the mean
    prediction over the sends the customer actually received; ``appetence_gain`` =
    recommended - baseline (the seed's GAIN D'APPE).

    **Movements generated.** The household's action rate (its customers' probabilities,
    weighted by their sends) feeds a classifier of next season's segment twice: with
    the settings received, giving the distribution of the next segment and its most
    probable segment ``baseline_segment``, and with the recommended settings, giving
    ``predicted_segment``. A movement is *generated* when they differ:
    ``generated_move`` is UP when ``predicted_segment`` is above ``baseline_segment``
    and the baseline is not below ``current_segment``; DOWN_AVOIDED when it is above a
    baseline that falls below ``current_segment`` (a downward move the settings avoid
    or soften); DOWN when it is below the baseline (counted apart, never as a
    movement generated); NONE otherwise. ``segment_steps`` = rank of
    ``predicted_segment`` minus rank of ``baseline_segment`` (ranks in
    ``rfm_segments``; the seed's UP+ and UP++ are 2 and 3 steps).

    **Euros.** A segment's value is the mean ``season_amount_eur`` of its households
    in the latest season (OUT, leaving the base, is worth 0; the values are the
    materialisation's ``segment_values_eur``). The household's expected next-season
    amount is the sum over next segments of probability x value, under each setting
    (``baseline_expected_amount_eur``, ``recommended_expected_amount_eur``); their
    difference is the euros the settings move, weighted by the probability change, so
    it never exceeds ``probability_shift`` (the share of probability that moves) x
    (highest - lowest segment value). A household's euros are shared equally among
    its ``household_customers`` rows: ``expected_amount_change_eur`` is the row's
    share of the difference, ``expected_gain_eur`` its positive part on UP rows and
    ``avoided_loss_eur`` its positive part on DOWN_AVOIDED rows (0 elsewhere).

    **Totals** (the materialisation's ``totals``, each recomputed from these rows):
    ``movements_generated`` = households whose move is UP or DOWN_AVOIDED (the seed's
    *mouvements générés*), ``movements_up``, ``movements_down_avoided``,
    ``movements_down_caused`` (DOWN); ``movements_share_of_households`` =
    movements generated / households in scope (*part de la base*);
    ``expected_gain_eur`` = sum of ``expected_gain_eur`` (*gains estimés*),
    ``avoided_loss_eur`` = sum of ``avoided_loss_eur`` (*pertes évitées*),
    ``expected_amount_change_eur`` = sum of ``expected_amount_change_eur`` (net, every
    row).

    **Model card.**

    - *Data*: every send of ``campaigns.campaign_sends`` (one row per send), the
      customers' bookings, the households' RFM segments of every season.
    - *Features*: the customer's past action and open rates, past sends and household
      RFM of the previous season; per setting its value and the customer's past lift
      on it (actions and opens, seasons before the send's only). A gradient-boosting
      classifier whose interaction constraints keep the log-odds a sum of one term per
      setting, so each setting's best value is found exactly. The segment classifier
      reads the household's RFM, season amount, sends and action rate.
    - *Target*: an action on the send (above); next season's segment (or OUT).
    - *Evaluation* (materialisation metadata, with ``model_version``):
      ``evaluation``, classification on 20% of the customers held out (ROC AUC, log
      loss against the base rate, Brier); ``uplift_evaluation``, the model refitted
      on the seasons before the latest one and judged on the latest one: each
      (send, setting) unit ranked by the predicted uplift of the recommended value,
      the sends that carried it against those that did not (uplift and Qini curves by
      top share, ``gain_at_top_decile``, ``qini_coefficient``), and for each value of
      each setting the observed difference in action rate against the predicted one;
      ``segment_model``, the next-segment accuracy on 20% of households held out.
    - *Known limits*: masters' settings are not chosen per recipient, so the
      held-out comparison is a natural experiment, not a designed one; the settings'
      effect on next season's segment is read from the association between action
      rate and segment moves in past seasons, not from an experiment; euros are
      segment means, not household amounts; a household's customers receive their
      own settings but share one move.

    Consent: only customers contactable by e-mail (``customers.customer_consent``)
    when the product is built are published; the others are left out
    (``out_of_scope:no_consent``). The model learns from every send.
    """

    customer_id: CustomerId = column(
        "The customer, as resolved by the customers domain.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    household_id: HouseholdId = column(
        "The customer's household, whose segment is used.",
        classification=Classification.INDIRECT_PII,
        rationale=_HOUSEHOLD_RATIONALE,
        references="customers.households.household_id",
    )
    season: Season = column("Season of the current segment: the latest season of rfm_segments.")
    main_highlight: MainHighlight = column("Recommended main highlight of the mails.")
    secondary_highlight: SecondaryHighlight = column("Recommended secondary highlight.")
    powder_alarm_useful: bool = column("True when sending the powder alarm raises the appetence.")
    stay_cycle_mails_useful: bool = column(
        "True when sending the stay-cycle mails raises the appetence."
    )
    best_send_day: Weekday = column("Recommended day of the week to send.")
    best_send_time_slot: TimeSlot = column("Recommended part of the day to send.")
    subject_type: SubjectType = column("Recommended kind of subject line.")
    baseline_action_probability: Rate = column(
        "Predicted probability of an action with the settings the customer received."
    )
    recommended_action_probability: Rate = column(
        "Predicted probability of an action with the recommended settings."
    )
    appetence_gain: Rate = column(
        "recommended_action_probability - baseline_action_probability (the seed's GAIN D'APPE)."
    )
    current_segment: Segment = column("The household's segment in season.")
    baseline_segment: Segment = column(
        "The household's most probable segment next season with the settings received."
    )
    predicted_segment: Segment = column(
        "The household's most probable segment next season with the recommended settings."
    )
    segment_steps: int = column(
        "Rank of predicted_segment minus rank of baseline_segment.", ge=-5, le=5
    )
    generated_move: Literal["UP", "DOWN_AVOIDED", "DOWN", "NONE"] = column(
        "The move the recommended settings generate against the baseline (see above)."
    )
    probability_shift: Rate = column(
        "Total variation between the household's next-segment distributions with the "
        "settings received and with the recommended ones."
    )
    baseline_expected_amount_eur: NonNegativeMoneyEUR = column(
        "The household's expected next-season amount with the settings received."
    )
    recommended_expected_amount_eur: NonNegativeMoneyEUR = column(
        "The household's expected next-season amount with the recommended settings."
    )
    household_customers: int = column(
        "Customers of the household in scope, who share its euros equally.", ge=1
    )
    expected_amount_change_eur: MoneyEUR = column(
        "This row's share of recommended_expected_amount_eur - baseline_expected_amount_eur."
    )
    expected_gain_eur: NonNegativeMoneyEUR = column(
        "Positive part of expected_amount_change_eur on UP rows; 0 otherwise."
    )
    avoided_loss_eur: NonNegativeMoneyEUR = column(
        "Positive part of expected_amount_change_eur on DOWN_AVOIDED rows; 0 otherwise."
    )
    model_version: str = column(
        "Version of the appetence model.",
        min_length=1,
        max_length=64,
        examples=["appetence-2024.11.1"],
    )
    scored_at: Timestamp = column("When the recommendation was computed.")
