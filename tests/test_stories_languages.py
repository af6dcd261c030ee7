"""Stories of full texts in other languages: reports of one event join by what their
texts say, in their own language, even when their headlines share no word."""

from __future__ import annotations

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.stories.clustering import StoryIndex
from newsbrief.summaries.stories.fulltext import capped, full_text_counts

# one made-up event told by two outlets, with other words and other headlines
MARKET_FIRE = (
    "Un incendio destruyó la madrugada del domingo el mercado municipal de Villaverde del Campo. "
    "Según el alcalde, Ramiro Etxeberria, las llamas comenzaron en un puesto de frutas poco después "
    "de las tres y se extendieron por los cuarenta y dos puestos del edificio. Los bomberos de la "
    "comarca de Valdemora trabajaron durante seis horas para controlar el fuego. No hubo heridos, "
    "pero los comerciantes calculan pérdidas de más de dos millones de euros. Etxeberria anunció "
    "ayudas para los vendedores y un mercado provisional en la plaza de la Constitución mientras "
    "se reconstruye el edificio, inaugurado en 1962."
)
MARKET_FIRE_AGAIN = (
    "Decenas de familias se quedaron sin su medio de vida en pocas horas. Las llamas que arrasaron el "
    "domingo los puestos del mercado de Villaverde del Campo habían nacido, según los bomberos de "
    "Valdemora, junto a unas cajas de fruta, y en pocos minutos alcanzaron cada rincón del edificio. "
    "El alcalde Ramiro Etxeberria cifró las pérdidas en dos millones y prometió ayudas municipales y "
    "puestos provisionales en la plaza de la Constitución. Las dotaciones de emergencia tardaron seis "
    "horas en apagar el incendio y nadie resultó herido. Vecinos del barrio recordaban ayer que el "
    "mercado era el corazón del pueblo desde hace sesenta años: allí compraban sus abuelos, y allí "
    "esperaban volver a comprar antes del verano. La asociación de comerciantes pidió que la "
    "reconstrucción respete la fachada original."
)
# another fire, the same weekend: another town, other people, another building
FACTORY_FIRE = (
    "Un incendio obligó el sábado a desalojar la fábrica de muebles Hermanos Quintanilla en el polígono "
    "industrial de Torrealta. La directora de la planta, Lucía Menéndez, explicó que el fuego se originó "
    "en una máquina de barnizado y que los ciento veinte trabajadores salieron a tiempo. Los bomberos de "
    "Torrealta necesitaron cuatro horas para apagarlo y dos operarios fueron atendidos por inhalación de "
    "humo. La empresa suspenderá la producción durante un mes y los sindicatos pidieron una inspección "
    "de seguridad en todo el polígono."
)
OTHER_NEWS = [
    (
        "El Ayuntamiento aprueba el presupuesto de 2026",
        "El pleno del Ayuntamiento aprobó el jueves el presupuesto municipal para el año próximo con los "
        "votos del gobierno local. Las cuentas suben un cuatro por ciento y destinan más dinero a escuelas, "
        "transporte público y limpieza de calles. La oposición criticó la subida de impuestos y anunció "
        "enmiendas. El concejal de Hacienda defendió que las cuentas son realistas y equilibradas.",
    ),
    (
        "La selección femenina gana el torneo de invierno",
        "La selección femenina de baloncesto ganó el torneo de invierno tras vencer en la final por "
        "setenta y ocho a setenta y uno. La base del equipo fue elegida mejor jugadora del campeonato "
        "después de anotar veinte puntos en el último partido. La entrenadora dedicó el título a la "
        "afición que viajó para apoyar al equipo durante toda la semana de competición.",
    ),
]


def _article(title: str, text: str, hour: int, outlet: str) -> dict:
    record = {"title": title, "text": text, "published": f"2026-05-10T{hour:02d}:00:00Z", "source": outlet}
    return parse_record(record).to_record()


def _index_with_other_news() -> StoryIndex:
    """A story index already holding two unrelated Spanish stories."""
    idx = StoryIndex()
    for i, (title, text) in enumerate(OTHER_NEWS):
        idx.assign(_article(title, text, 6 + i, f"Diario {i}"))
    return idx


def _market_fire_reports() -> tuple[dict, dict]:
    """Two reports of one market fire whose headlines share no word."""
    return (
        _article("Arde de madrugada el mercado de Villaverde", MARKET_FIRE, 8, "Diario del Campo"),
        _article("Comerciantes lo pierden todo: «No queda nada»", MARKET_FIRE_AGAIN, 11, "Radio Valdemora"),
    )


def test_two_spanish_reports_of_one_event_join_though_their_headlines_share_no_word():
    idx = _index_with_other_news()
    first, second = _market_fire_reports()
    other = _article("Desalojan una fábrica de muebles por las llamas", FACTORY_FIRE, 12, "Noticias Torrealta")
    assert first["language"] == second["language"] == "es"
    sid, _changed = idx.assign(first)
    assert idx.assign(second)[0] == sid
    assert idx.assign(other)[0] != sid


# two announcements of one made-up water company, weeks apart: its name in every
# sentence, and little else in common
WATER_RATES = (
    "La empresa Aguasvelt anunció el martes que sus tarifas subirán un seis por ciento a partir de marzo. "
    "Según Aguasvelt, la subida es necesaria para renovar las tuberías del casco antiguo de Orbaneja. "
    "La asociación de consumidores criticó la decisión de Aguasvelt y pidió al concejo que la revise. "
    "Aguasvelt recordó que las familias numerosas conservarán su descuento y que las facturas llegarán "
    "cada dos meses. El concejo votará la propuesta de Aguasvelt en el pleno de febrero."
)
WATER_BURST = (
    "Una tubería principal de Aguasvelt reventó el sábado por la noche bajo la avenida del Puerto de "
    "Sarrión y dejó sin suministro a tres barrios durante catorce horas. Los operarios de Aguasvelt "
    "cortaron la calle y abrieron una zanja de veinte metros para sustituir el tramo dañado. Vecinos "
    "de Sarrión llenaron garrafas en camiones cisterna instalados junto al mercado. Aguasvelt atribuyó "
    "la avería a la helada y aseguró que el agua del grifo es potable de nuevo."
)


def test_two_spanish_texts_that_share_only_a_name_stay_apart():
    """One rare name said in every sentence (a company) is not an event: two of its
    announcements stay two stories, while two reports of one event still join."""
    idx = _index_with_other_news()
    rates = _article("Aguasvelt subirá sus tarifas en marzo", WATER_RATES, 7, "Diario de Orbaneja")
    burst = _article("Tres barrios sin agua por una avería de Aguasvelt", WATER_BURST, 9, "Radio Sarrión")
    first, second = _market_fire_reports()
    sid = idx.assign(rates)[0]
    assert idx.assign(burst)[0] != sid
    fire = idx.assign(first)[0]
    assert idx.assign(second)[0] == fire


def test_no_term_is_more_than_its_share_of_a_full_texts_vector():
    vector = capped({"aguasvelt": 0.9, "tarifa": 0.3, "subida": 0.2, "concejo": 0.2, "marzo": 0.1, "pleno": 0.1}, 0.5)
    assert max(vector.values()) <= 0.5 + 1e-6
    assert abs(sum(w * w for w in vector.values()) - 1.0) < 1e-6
    assert vector["tarifa"] > 0.3  # the rest weighs more


QUAKE_FR = (
    "Un séisme de magnitude 6,4 a frappé mardi l'île de Kelvora, faisant au moins 17 morts et 230 blessés, "
    "selon les autorités. La secousse s'est produite à 4 h 12, heure locale, près de la ville portuaire de "
    "Santa Imelda, dont la maire, Ilse Varnholt, a fait état de dizaines d'immeubles effondrés. Des secouristes "
    "venus de Dravnik et d'Ostrelle sont arrivés en ferry dans l'après-midi. L'Institut géologique de Kelvora "
    "prévient que les répliques pourraient durer plusieurs jours. Le gouverneur Tomas Brecklund a décrété trois "
    "jours de deuil."
)
QUAKE_EN = (
    "A magnitude 6.4 earthquake struck the island of Kelvora on Tuesday, killing at least 17 people and injuring "
    "230, officials said. The quake hit at 04:12 local time near the port town of Santa Imelda, where Mayor Ilse "
    "Varnholt said dozens of buildings had collapsed. Rescue teams from Dravnik and Ostrelle arrived by ferry in "
    "the afternoon. The Kelvora Geological Institute warned that aftershocks could continue for days. Governor "
    "Tomas Brecklund declared three days of mourning."
)
# another event the same day, with the same numbers
FERRY_EN = (
    "A ferry carrying 230 passengers ran aground off Port Kessan on Tuesday and 17 people were taken to hospital "
    "with minor injuries, the coastguard said. The vessel, operated by Mondak Lines, struck a sandbank at 04:12 "
    "in fog, according to Captain Aurel Mondak. Tugboats from Veyrac refloated it at high tide and the "
    "passengers were brought ashore by lifeboat. The harbour master of Port Kessan opened an inquiry into the "
    "route the ship had taken through the channel."
)


def test_a_french_and_an_english_report_of_one_event_join_by_their_names_and_numbers():
    idx = StoryIndex()
    french = _article("Séisme meurtrier à Kelvora", QUAKE_FR, 6, "Le Quotidien")
    ferry = _article("Ferry runs aground off Port Kessan", FERRY_EN, 7, "Harbour News")
    english = _article("Quake kills 17 on Kelvora island", QUAKE_EN, 8, "World Wire")
    assert (french["language"], ferry["language"], english["language"]) == ("fr", "en", "en")
    sid, _changed = idx.assign(french)
    assert idx.assign(ferry)[0] != sid  # the same numbers, but no name in common
    assert idx.assign(english)[0] == sid


# a made-up Arabic report, without and with its short vowels written (as many outlets do)
ARABIC_BARE = (
    "أعلن محافظ مدينة الواحة الخضراء أن المجلس البلدي وافق على بناء مستشفى جديد للأطفال في حي النخيل "
    "بتكلفة تبلغ ثلاثين مليون دينار. وقال المحافظ إن العمل سيبدأ في الربيع المقبل وإن المستشفى سيضم مئة "
    "وعشرين سريرا وقسما للطوارئ. ورحب سكان الحي بالقرار بعد سنوات من المطالبة بخدمات صحية أقرب إليهم، "
    "فيما أكد مدير الصحة في المحافظة أن الأطباء سيتدربون في الجامعة الوطنية قبل افتتاح المبنى."
)
ARABIC_POINTED = ARABIC_BARE.replace("محافظ", "مُحَافِظ").replace("مستشفى", "مُسْتَشْفَى").replace("الأطفال", "الأَطْفَال")


def test_arabic_short_vowels_do_not_cut_a_full_texts_words_into_letters():
    bare = full_text_counts({"headline": "مستشفى جديد للأطفال", "body": ARABIC_BARE}, "ar")
    pointed = full_text_counts({"headline": "مُسْتَشْفَى جديد للأطفال", "body": ARABIC_POINTED}, "ar")
    assert bare and pointed == bare
