"""Summaries of news in other languages read the headline: the sentence that tells what it
announces ranks higher."""

from __future__ import annotations

from newsbrief.summaries.config import SummarySettings
from newsbrief.summaries.nlp.summarizer import summarize, summarize_record

TEXT = (
    "La saison touristique a commencé plus tôt que prévu sur la côte, selon les professionnels du secteur. "
    "Les hôtels affichent des taux de remplissage élevés depuis le début du mois de mai. "
    "La mairie de Port-Lavande a annoncé mardi la fermeture de la plage des Sablettes pour pollution. "
    "Les commerçants redoutent des semaines difficiles si la situation se prolonge. "
    "Les analyses de l'eau seront publiées chaque jour sur le site de la commune."
)
TITLE = "Port-Lavande : la plage des Sablettes fermée pour pollution"
ANNOUNCED = "La mairie de Port-Lavande a annoncé mardi la fermeture de la plage des Sablettes pour pollution."


def test_a_french_summary_takes_the_sentence_its_headline_announces():
    assert summarize(TEXT, 1, language="fr", title=TITLE) == [ANNOUNCED]
    assert summarize(TEXT, 1, language="fr") != summarize(TEXT, 1, language="fr", title=TITLE)


def test_a_stored_french_article_is_summarized_near_its_headline():
    article = {"headline": TITLE, "body": TEXT, "language": "fr", "headline_derived": False}
    summary = summarize_record(article, SummarySettings(sentences=1, ratio=0))
    assert summary == [ANNOUNCED]
