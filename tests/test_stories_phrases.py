"""A phrase two full texts both repeat (a person's first name and surname, an official's
title) is one piece of evidence, not one per word (summaries.stories.fulltext)."""

from __future__ import annotations

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.stories.clustering import StoryIndex
from newsbrief.summaries.stories.fulltext import phrase_dot, phrases

# two made-up robberies in one town, weeks apart, each told by the police chief, who is
# named in full in every paragraph
JEWELLER = (
    "Dos hombres armados asaltaron el martes por la tarde la joyería Brillantes del paseo Marítimo de "
    "Villamar y huyeron en una motocicleta con relojes y anillos. El comisario Julián Arredondo, jefe "
    "de la policía de Villamar, explicó que los ladrones amenazaron a la dependienta con una pistola "
    "y rompieron dos vitrinas en menos de tres minutos. El comisario Julián Arredondo pidió a los "
    "vecinos que aporten las grabaciones de sus cámaras. Según el comisario Julián Arredondo, el botín "
    "supera los cuarenta mil euros y la motocicleta fue abandonada cerca del puerto deportivo."
)
PHARMACY = (
    "Un joven encapuchado robó la madrugada del domingo la caja de una farmacia de guardia del barrio "
    "de San Telmo, en Villamar, tras amenazar al farmacéutico con un cuchillo. El comisario Julián "
    "Arredondo, jefe de la policía de Villamar, informó de que el ladrón se llevó unos trescientos "
    "euros y escapó a pie por la calle Mayor. El comisario Julián Arredondo recordó que las farmacias "
    "de guardia pueden pedir vigilancia nocturna y pidió a los vecinos que aporten las grabaciones de sus "
    "cámaras. Para el comisario Julián Arredondo, el autor podría ser el mismo que asaltó una gasolinera "
    "de la carretera de la costa la semana pasada."
)
# the pharmacy robbery again, by another outlet
PHARMACY_AGAIN = (
    "El farmacéutico de guardia de San Telmo vivió el domingo de madrugada unos minutos de angustia: un "
    "joven con la cara tapada le puso un cuchillo delante y le exigió la recaudación. El ladrón huyó a "
    "pie por la calle Mayor con unos trescientos euros. El comisario Julián Arredondo, jefe de la policía "
    "de Villamar, no descarta que se trate del mismo autor del atraco a una gasolinera de la carretera "
    "de la costa. El comisario Julián Arredondo pidió a las farmacias de guardia que soliciten "
    "vigilancia nocturna, y el comisario Julián Arredondo anunció más patrullas en el barrio."
)


def _article(title: str, text: str, hour: int, outlet: str) -> dict:
    record = {"title": title, "text": text, "published": f"2026-05-10T{hour:02d}:00:00Z", "source": outlet}
    return parse_record(record).to_record()


def test_the_phrases_a_full_text_repeats():
    found = phrases({"body": JEWELLER}, "es")
    assert ("julian", "arredond") in found
    assert ("dos", "hombr") not in found  # said once: no phrase


def test_a_phrase_both_texts_repeat_agrees_once():
    a = {"julian": 0.5, "arredond": 0.5, "robo": 0.5, "farmaci": 0.5}
    b = {"julian": 0.5, "arredond": 0.5, "robo": 0.5, "puert": 0.5}
    assert phrase_dot(a, b, ()) == 0.75
    assert phrase_dot(a, b, {("julian", "arredond")}) == 0.5


def test_two_robberies_told_by_one_named_official_stay_apart_and_one_robbery_joins():
    idx = StoryIndex()
    jeweller = _article("Asaltan una joyería del paseo Marítimo", JEWELLER, 7, "Diario de Villamar")
    pharmacy = _article("Roban a punta de cuchillo en una farmacia de guardia", PHARMACY, 9, "Radio Costa")
    again = _article("Angustia en San Telmo: «Me puso el cuchillo delante»", PHARMACY_AGAIN, 11, "Noticias Villamar")
    sid = idx.assign(jeweller)[0]
    robbery = idx.assign(pharmacy)[0]
    assert robbery != sid  # one chief, two robberies
    assert idx.assign(again)[0] == robbery
