"""Post-stay satisfaction surveys (source family: reviews).

About a third of the bookings' holders answer the survey sent the day after their
departure. Ratings follow the village's hidden quality, its comfort, the guest's
own mood and the epidemic seasons; loyal households answer more often.

Landing table ``landing_reviews.surveys`` - one row per survey answer. Dirty: a
few answers were submitted twice, ``99`` stands for "no answer" in the
recommendation score, the e-mail is the holder's as typed at booking.

    ================== ========= =====================================================
    column             type      meaning
    ================== ========= =====================================================
    survey_id          BIGINT    answer id
    booking_id         VARCHAR   the stay's booking
    village_code       VARCHAR   village of the stay
    respondent_email   VARCHAR   e-mail the survey was sent to, as typed
    sent_at            TIMESTAMP survey sent, UTC
    answered_at        TIMESTAMP answer submitted, UTC
    stay_arrival       DATE      arrival of the stay
    stay_departure     DATE      departure of the stay
    language           VARCHAR   language of the questionnaire
    overall_rating     INTEGER   overall satisfaction, 1 to 5 stars
    recommend_score    INTEGER   likelihood to recommend, 0 to 10 (99: no answer)
    rooms_rating       INTEGER   1 to 5
    food_rating        INTEGER   food and bars, 1 to 5
    activities_rating  INTEGER   sports and activities, 1 to 5 (null: not rated)
    staff_rating       INTEGER   the staff's welcome and service, 1 to 5
    kids_club_rating   INTEGER   1 to 5, null when the kids club was not used
    ski_rating         INTEGER   1 to 5, null outside winter mountain stays
    would_return       VARCHAR   OUI, NON or NSP
    comment            VARCHAR   free comment, often null
    ================== ========= =====================================================
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sandbox.simulation.context import Context
from sandbox.simulation.dirt import messy_emails
from sandbox.simulation.frames import dates, frame, numbered, pick, timestamps, with_nulls
from sandbox.simulation.places import VILLAGES
from sandbox.simulation.population import LANGUAGES, Population
from sandbox.simulation.resorts import Villages
from sandbox.simulation.stays import Stays
from sandbox.simulation.timeline import DAY

_COMMENTS = (
    ("Séjour décevant, chambre bruyante.", "Disappointing stay, noisy room."),
    ("Accueil moyen, repas répétitifs.", "Average welcome, repetitive meals."),
    ("Bon séjour dans l'ensemble.", "Good stay overall."),
    ("Très bon séjour, les GO étaient au top !", "Great stay, the staff were amazing!"),
    ("Séjour parfait, on reviendra en famille.", "Perfect stay, we will come back as a family."),
)


def run(ctx: Context, pop: Population, villages: Villages, stays: Stays) -> None:
    """Generate and write the survey answers."""
    tl = ctx.timeline
    rng = ctx.streams("reviews.surveys")
    departure = stays.arrival + stays.nights
    done = (stays.cancelled < 0) & (departure < tl.as_of_index - 1)
    core = pop.households.value_class[stays.household] <= 1
    answers = np.flatnonzero(done & (rng.random(stays.n) < np.where(core, 0.42, 0.30)))
    n = answers.size
    v = stays.village[answers]
    season = stays.season[answers]
    covid = np.isin(season, [0, 1]) * -0.25
    mood = rng.normal(0, 0.9, n)
    q = villages.quality[v] + covid + mood
    base = 4.05 + 0.55 * q
    overall = np.clip(np.round(base + rng.normal(0, 0.35, n)), 1, 5).astype(np.int64)

    def sub(shift: float, spread: float = 0.5) -> np.ndarray:
        return np.clip(np.round(base + shift + rng.normal(0, spread, n)), 1, 5).astype(np.int64)

    nps = np.clip(np.round(2.0 * base + 0.3 + rng.normal(0, 1.1, n)), 0, 10).astype(np.int64)
    nps = np.where(rng.random(n) < 0.01, 99, nps)
    kids = stays.children[answers] > 0
    ski = villages.mountain[v] & stays.winter[answers]
    sent = (tl.days[departure[answers]] + 1) * DAY + 9 * 3600
    answered = sent + rng.lognormal(np.log(1.5 * DAY), 1.0, n).astype(np.int64)
    persons = pop.persons
    email = messy_emails(persons.email.gather(stays.payer[answers]).fill_null(""), rng, 0.1)
    no_email = persons.email.gather(stays.payer[answers]).is_null().to_numpy() | (
        rng.random(n) < 0.05
    )
    lang = pop.households.language[stays.household[answers]]
    comment_kind = overall - 1
    comment = pl.Series([c for pair in _COMMENTS for c in pair]).gather(
        comment_kind * 2 + (lang != 0)
    )
    would = np.where(overall >= 4, 0, np.where(overall <= 2, 1, 2))
    would = np.where(rng.random(n) < 0.1, 2, would)
    arrival = tl.days[stays.arrival[answers]]
    out = frame(
        {
            "survey_id": 5_000_000 + np.arange(n) * 2 + rng.integers(0, 2, n),
            "booking_id": numbered("BK", stays.booking_number[answers], 9),
            "village_code": pick([x.code for x in VILLAGES], v),
            "respondent_email": with_nulls(email, no_email),
            "sent_at": timestamps(sent),
            "answered_at": timestamps(answered),
            "stay_arrival": dates(arrival),
            "stay_departure": dates(arrival + stays.nights[answers]),
            "language": pick(LANGUAGES, lang),
            "overall_rating": overall.astype(np.int32),
            "recommend_score": nps.astype(np.int32),
            "rooms_rating": sub(-0.1).astype(np.int32),
            "food_rating": sub(0.05).astype(np.int32),
            "activities_rating": with_nulls(
                pl.Series(sub(0.1).astype(np.int32)), rng.random(n) < 0.05
            ),
            "staff_rating": sub(0.25).astype(np.int32),
            "kids_club_rating": with_nulls(pl.Series(sub(0.15).astype(np.int32)), ~kids),
            "ski_rating": with_nulls(pl.Series(sub(0.0, 0.7).astype(np.int32)), ~ski),
            "would_return": pick(("OUI", "NON", "NSP"), would),
            "comment": with_nulls(comment, rng.random(n) < 0.6),
        }
    )
    out = out.filter(pl.col("answered_at") < pl.lit(tl.scale.as_of).cast(pl.Datetime("us")))
    twice = out.filter(pl.Series(rng.random(out.height) < 0.005)).with_columns(
        answered_at=pl.col("answered_at") + pl.duration(minutes=3),
        survey_id=pl.col("survey_id") + 1,
    )
    ctx.writer.write("reviews", "surveys", pl.concat([out, twice]))
