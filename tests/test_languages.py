"""News in any language: detection on ingest (offline), hints, and summaries in the
article's own language. Texts are written here, not taken from evaluation data."""

from __future__ import annotations

import pytest

from newsbrief.summaries.articles.formats import parse_record, parse_text
from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.config import ConfigError, load_settings
from newsbrief.summaries.language import detect_language, language_name, normalize_language
from newsbrief.summaries.nlp.summarizer import NewsSummarizer, summarize
from newsbrief.summaries.nlp.tokenizer import get_tokenizer, split_sentences

PARAGRAPHS = {
    "fr": "Le conseil municipal a voté lundi soir la construction d'un nouveau pont sur la rivière. "
    "Les travaux commenceront au printemps et devraient durer deux ans, selon la mairie.",
    "es": "El consejo municipal aprobó el lunes por la noche la construcción de un nuevo puente sobre el río. "
    "Las obras comenzarán en primavera y durarán dos años, según el ayuntamiento.",
    "de": "Der Stadtrat hat am Montagabend den Bau einer neuen Brücke über den Fluss beschlossen. "
    "Die Arbeiten sollen im Frühjahr beginnen und zwei Jahre dauern, teilte die Stadtverwaltung mit.",
    "ru": "Городской совет в понедельник вечером одобрил строительство нового моста через реку. "
    "Работы начнутся весной и продлятся два года, сообщили в мэрии.",
    "ar": "وافق المجلس البلدي مساء الاثنين على بناء جسر جديد فوق النهر. "
    "وستبدأ الأعمال في الربيع وتستمر عامين، بحسب البلدية.",
    "hi": "नगर परिषद ने सोमवार शाम नदी पर एक नए पुल के निर्माण को मंजूरी दी। "
    "नगर निगम के अनुसार काम वसंत में शुरू होगा और दो साल तक चलेगा।",
    "en": "The city council voted on Monday evening to build a new bridge over the river. "
    "Work will begin in the spring and last two years, the town hall said.",
}


@pytest.mark.parametrize("language", sorted(PARAGRAPHS))
def test_the_language_of_a_short_paragraph_is_detected(language):
    assert detect_language(PARAGRAPHS[language]) == language


@pytest.mark.parametrize("language", sorted(PARAGRAPHS))
def test_every_article_read_gets_its_language(language):
    article = parse_record({"title": "", "text": PARAGRAPHS[language], "url": f"https://example.org/{language}"})
    assert article.language == language
    assert article.to_record()["language"] == language
    assert Article.from_record(article.to_record()).language == language


def test_a_declared_language_does_not_override_clear_text():
    for hint in ("en", "de", "fr-FR"):
        assert detect_language(PARAGRAPHS["es"], hint) == "es"
    article = parse_record({"title": "Nuevo puente", "text": PARAGRAPHS["es"]}, language="en")
    assert article.language == "es"
    # a record's own declared language is a hint like any other
    assert parse_record({"title": "", "text": PARAGRAPHS["ru"], "language": "en"}).language == "ru"


def test_a_declared_language_decides_a_text_too_short_to_tell():
    assert detect_language("Grève au port", "fr") == "fr"
    assert detect_language("Brexit", "de-AT") == "de"
    assert parse_record({"title": "Grève au port"}, language="fr").language == "fr"
    assert parse_text("Kurz notiert\n\nStreik.", language="de").language == "de"
    assert detect_language("", "") == "" and detect_language("12:30 — 45", "") == ""


def test_language_codes_are_normalized():
    assert normalize_language("fr-FR") == "fr"
    assert normalize_language("pt_BR") == "pt"
    assert normalize_language("French") == "fr"
    assert normalize_language("no") == "nb"
    assert normalize_language("") == "" and normalize_language("not a language") == ""
    assert language_name("es") == "spanish" and language_name("xx") == ""


def test_sources_take_a_language_hint(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[[sources]]\nname = "actu"\nfeed = "https://example.fr/rss.xml"\nlanguage = "fr-FR"\n'
        '[[sources]]\nname = "wire"\nfolder = "in"\n',
        encoding="utf-8",
    )
    actu, wire = load_settings(path).sources
    assert actu.language == "fr" and wire.language == ""
    path.write_text('[[sources]]\nname = "x"\nfolder = "in"\nlanguage = "klingon"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="language"):
        load_settings(path)


FRENCH = (
    "Le gouvernement a présenté mardi un plan de deux milliards d'euros pour les hôpitaux publics. "
    "M. Dupont, ministre de la Santé, a promis de nouveaux postes dans les services d'urgence. "
    "Les syndicats jugent ces mesures insuffisantes et appellent à la grève le mois prochain. "
    "Mme Martin, infirmière à Lyon, explique que les équipes sont épuisées depuis des mois. "
    "Le plan sera débattu au Parlement à partir du 12 octobre, selon le ministère."
)


def test_french_sentences_split_on_french_abbreviations():
    sentences = split_sentences(FRENCH, "fr")
    assert len(sentences) == 5
    assert sentences[1].startswith("M. Dupont") and sentences[3].startswith("Mme Martin")


def test_summarize_in_french_uses_french_stop_words_and_stemming():
    engine = NewsSummarizer(language="fr")
    assert engine.language == "fr"
    assert {"le", "la", "les", "des", "du", "et", "pour", "dans", "qui"} <= engine.stop_words
    assert NewsSummarizer(language="ru").stop_words >= {"и", "в", "на"}  # wordfreq's, sumy has none
    assert engine.stem_word("hôpitaux") == engine.stem_word("hôpital")
    tokens = get_tokenizer("fr").to_words("Les hôpitaux publics")
    assert [engine.stem_word(w.lower()) for w in tokens if w.lower() not in engine.stop_words] == [
        engine.stem_word("hôpital"),
        engine.stem_word("public"),
    ]
    by_code = summarize(FRENCH, 2, language="fr")
    assert by_code == summarize(FRENCH, 2)  # detected: the same
    assert len(by_code) == 2 and all(s in FRENCH for s in by_code)
    assert not any(s.startswith("Dupont") for s in by_code)  # "M." did not end a sentence


def test_a_language_override_wins_over_detection():
    # the same text read as French or as English: the English rules want a verb they know
    # and find none in French, so only the French reading keeps the first sentence
    assert summarize(FRENCH, 1, language="fr") != [] and summarize(FRENCH, 1, language="french") == summarize(
        FRENCH, 1, language="fr"
    )


HINDI = (
    "नगर परिषद ने सोमवार शाम नदी पर एक नए पुल के निर्माण को मंजूरी दी। "
    "नगर निगम के अनुसार काम वसंत में शुरू होगा और दो साल तक चलेगा। "
    "विपक्षी पार्षदों ने परियोजना की लागत पर सवाल उठाए। "
    "महापौर ने कहा कि पुल से शहर के उत्तरी हिस्से में यातायात कम होगा।"
)


def test_a_hindi_text_splits_at_the_danda_and_is_summarized():
    sentences = split_sentences(HINDI, "hi")
    assert len(sentences) == 4 and all(s.endswith("।") for s in sentences)
    assert get_tokenizer("hi").to_words(sentences[0])[:2] == ("नगर", "परिषद")  # vowel signs stay in words
    summary = summarize(HINDI, 2)
    assert len(summary) == 2 and all(s in sentences for s in summary)


def test_arabic_and_chinese_texts_split_at_their_own_marks():
    assert split_sentences("هل سيوافق البرلمان؟ لا أحد يعرف. الجلسة غدا.", "ar") == [
        "هل سيوافق البرلمان؟",
        "لا أحد يعرف.",
        "الجلسة غدا.",
    ]
    assert split_sentences("市议会周一批准建设新桥。工程将于春季开始！", "zh") == [
        "市议会周一批准建设新桥。",
        "工程将于春季开始！",
    ]
    summary = summarize("市议会周一批准在河上建设一座新桥。工程将于春季开始，持续两年。反对派议员质疑项目成本。", 1)
    assert len(summary) == 1 and summary[0].endswith("。")


def test_an_english_text_is_summarized_as_english():
    text = (
        "The city council voted on Monday evening to build a new bridge over the river. "
        "Work will begin in the spring and last two years, the town hall said. "
        "Opposition councillors questioned the cost of the project at the meeting. "
        "The mayor said the bridge would ease traffic in the north of the city."
    )
    assert summarize(text, 2) == summarize(text, 2, language="en") == summarize(text, 2, language="english")
