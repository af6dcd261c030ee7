"""Second pass on issue 13: roles written right before a name and jobs in front of a
name, on made-up sentences (no BBC evaluation text)."""

from __future__ import annotations

import re

import pytest

from newsbrief.summaries.nlp import entities as ner


@pytest.fixture(scope="module")
def nlp():
    ner.set_backend(None)
    model = ner.load_model()
    if model is None or ner.load_parser() is None:
        pytest.skip("no spaCy English model installed")
    return model


def _consolidate(text: str, found: list, *, sentences: bool = False) -> list:
    """_consolidate on the model's ``found`` mentions of ``text``, read as one sentence
    or (``sentences``) cut into its sentences."""
    spans = ner.sentences_of(text) if sentences else [(0, len(text))]
    return ner.consolidate(ner.Art(text, spans, found), ner.english_words())


def _roles(text: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for f in ner.extract(text):
        if f.type == ner.PERSON:
            out.setdefault(f.name, f.roles)
    return out


def test_a_role_ending_on_its_job_keeps_its_employer_and_makes_a_person(nlp):
    # the head of "Northfield Bank of Wales chief executive" is "executive", not "Bank"
    text = "Past winners include Northfield Bank of Wales chief executive Tomas Averill and others."
    assert _roles(text)["Tomas Averill"] == ("Northfield Bank of Wales chief executive",)
    # "producer" names firms too, but a record producer is a person
    text = "Record producer Dalton Merriweather, who made hits for many bands, has died aged 70."
    found = {f.name: f for f in ner.extract(text)}
    assert found["Dalton Merriweather"].type == ner.PERSON
    assert found["Dalton Merriweather"].roles == ("Record producer",)


def test_job_words_right_before_a_name_are_its_role(nlp):
    roles = _roles("The row between the singer and drummer Kevan Prowse was settled in 2003.")
    assert roles["Kevan Prowse"] == ("drummer",)
    roles = _roles("In the women's draw, world number four Ilse Marchetti returns, along with runner-up Dora Kovanic.")
    assert roles["Ilse Marchetti"] == ("world number four",)
    assert roles["Dora Kovanic"] == ("runner-up",)
    roles = _roles("He will work with (tour manager) Brendan Osgood and (media manager) Fiona Tallis on the trip.")
    assert roles["Brendan Osgood"] == ("tour manager",)
    assert roles["Fiona Tallis"] == ("media manager",)


def test_a_pronoun_before_the_role_is_left_out(nlp):
    roles = _roles("Agents took statements from the firm's founder Victor Castellan and its vice-president Jim Orrell.")
    assert roles["Jim Orrell"] == ("vice-president",)


def test_plurals_demonyms_and_objects_are_not_roles(nlp):
    roles = _roles("Contestants Harold Pemberton, Jo Ashby and Rita Colville were told on Sunday.")
    assert roles["Harold Pemberton"] == ()
    roles = _roles("The Times said Australian Lyle Cranford told the leader to focus on seats.")
    assert roles["Lyle Cranford"] == ()
    roles = _roles("He gave the order on 12 March singer Bryn Hollis said.")
    assert roles.get("Bryn Hollis", ()) in ((), ("singer",))  # never "12 March singer"


def test_a_job_or_demonym_in_front_of_a_name_is_not_part_of_it(nlp):
    names = {
        f.name
        for f in ner.extract(
            "Fans cheered when Rapper Kazzo took the stage. Later Briton Hayley Tremlett "
            "won the race and Russian Mikhail Dorokhov beat her compatriot."
        )
        if f.type == ner.PERSON
    }
    assert "Kazzo" in names and "Rapper Kazzo" not in names
    assert "Hayley Tremlett" in names and "Briton Hayley Tremlett" not in names
    assert "Mikhail Dorokhov" in names and "Russian Mikhail Dorokhov" not in names
    # a first name that is also a word stays: "Will", "Jack"
    names = {f.name for f in ner.extract("Will Tarrant and Jack Ellery spoke to reporters in Leeds on Monday.")}
    assert {"Will Tarrant", "Jack Ellery"} <= names


def test_person_nouns_are_data():
    assert ner.person_noun("drummer") and ner.person_noun("runner-up") and ner.person_noun("boss")
    assert not ner.person_noun("airline") and not ner.person_noun("wife") and not ner.person_noun("threshold")
    assert "person_nouns" in ner.entities_data() and "organisation_nouns_also_people" in ner.entities_data()


def test_a_given_name_and_a_surname_the_model_calls_an_organisation_is_a_person(nlp):
    # the rule itself, whatever the model tags: a given name that is not an English word
    assert ner.given_name("Ewan") and ner.given_name("Tracey")
    assert not ner.given_name("Grant") and not ner.given_name("Royal") and not ner.given_name("Sky")
    assert not ner.given_name("Xyzzq")
    found = [ner.Extracted("Ewan Corrigall", ner.ORG, "Ewan Corrigall", 0, 14, "s")]
    art = ner.Art("Ewan Corrigall said so.", [(0, 23)], found)
    assert [f.type for f in ner.consolidate(art, ner.english_words())] == [ner.PERSON]
    found = [ner.Extracted("Grant Hollow", ner.ORG, "Grant Hollow", 0, 12, "s")]
    art = ner.Art("Grant Hollow said so.", [(0, 21)], found)
    assert [f.type for f in ner.consolidate(art, ner.english_words())] == [ner.ORG]


def _typed(text: str, name: str, kind: str, start: int | None = None) -> str:
    """The type _consolidate gives ``name`` when the model called it ``kind``."""
    at = text.index(name) if start is None else start
    f = ner.Extracted(name, kind, name, at, at + len(name), text)
    art = ner.Art(text, [(0, len(text))], [f])
    out = ner.consolidate(art, ner.english_words())
    named = [f for f in out if f.name == name]
    return (named or out)[0].type if out else ""


def test_a_name_after_a_work_noun_is_a_work_not_an_organisation(nlp):
    assert _typed("He created the TV show Glass Harbour for the BBC.", "Glass Harbour", ner.ORG) == ner.PRODUCT
    assert _typed("Best picture nominee Crosswinds entered the chart.", "Crosswinds", ner.ORG) == ner.PRODUCT
    assert _typed("Kestrelmoor, a film biography of a pilot, took $5m.", "Kestrelmoor", ner.ORG) == ner.PRODUCT
    assert _typed("Investors said Kestrelmoor made a loss.", "Kestrelmoor", ner.ORG) == ner.ORG


def test_a_town_written_as_a_club_is_an_organisation_but_a_country_is_not(nlp):
    assert _typed("Corby lock Dan Ferris replaces him in the side.", "Corby", ner.PLACE) == ner.ORG
    assert _typed("The teenager is poised to join Corby next month.", "Corby", ner.PLACE) == ner.ORG
    assert _typed("Werder Bremen lost 2-1 to Corby on Tuesday.", "Corby", ner.PLACE) == ner.ORG
    assert _typed("The team: D Ferris (Corby), J Bell (Bath).", "Corby", ner.PLACE) == ner.ORG
    assert _typed("The former Porto coach was sent off.", "Porto", ner.PERSON) == ner.ORG  # the model's "person"
    assert _typed("He grew up in Corby and left in 1990.", "Corby", ner.PLACE) == ner.PLACE
    # a national team is labelled by its country
    assert _typed("On Monday the Portugal coach Luis Santos named his squad.", "Portugal", ner.PLACE) == ner.PLACE
    assert _typed("On Monday the Scotland captain Ian Ross was injured.", "Scotland", ner.PLACE) == ner.PLACE


def test_a_role_with_as_after_the_name(nlp):
    roles = _roles(
        "The remake was announced with Garrick Holm in the lead and Petra Lindqvist as director. It stalled."
    )
    assert roles["Petra Lindqvist"] == ("director",)


def _discourse(text: str, names: list[tuple[str, int]]) -> dict[str, tuple[str, ...]]:
    """The roles _discourse_roles gives people mentioned at these (name, occurrence) places."""
    found = []
    for name, nth in names:
        at = -1
        for _ in range(nth + 1):
            at = text.index(name, at + 1)
        found.append(ner.Extracted(name, ner.PERSON, name, at, at + len(name), ""))
    art = ner.Art(text, ner.sentences_of(text), found)
    return {f.name: f.roles for f in ner.discourse_roles(art)}


def test_a_sentence_whose_subject_is_a_role_gives_it_to_the_one_person_next_to_it(nlp):
    text = "Turnout could surprise everyone, Harriet Quell has said. The Green Alliance leader predicted gains."
    assert _discourse(text, [("Harriet Quell", 0)]) == {"Harriet Quell": ("Green Alliance leader",)}
    text = "Calder & Finch's chief executive has been named manager of the year. Morven Ash was given the title."
    assert _discourse(text, [("Morven Ash", 0)]) == {"Morven Ash": ("Calder & Finch's chief executive",)}
    # two people before it: no guess
    text = "Tom Varley and Ann Scully met on Monday. The manager said nothing."
    assert _discourse(text, [("Tom Varley", 0), ("Ann Scully", 0)]) == {"Tom Varley": (), "Ann Scully": ()}
    # a subject that is not a job
    text = "Harriet Quell spoke on Monday. The deal was signed later."
    assert _discourse(text, [("Harriet Quell", 0)]) == {"Harriet Quell": ()}


def test_a_subject_role_can_end_on_a_ranking(nlp):
    text = "Greta Ohlund returns to the tour after a year out. The former world number one will play in Sydney."
    assert _discourse(text, [("Greta Ohlund", 0)]) == {"Greta Ohlund": ("former world number one",)}
    assert not ner.person_noun("former") and not ner.person_noun("number")


def test_an_initial_and_a_surname_the_model_calls_an_organisation_is_a_person(nlp):
    text = "The side: D Ferris (Corby), K Albright (Bath)."
    assert _typed(text, "K Albright", ner.ORG) == ner.PERSON
    assert _typed("Shares in K Group rose.", "K Group", ner.ORG) == ner.ORG


def test_a_role_stated_by_a_copula_after_the_name(nlp):
    text = (
        "Ann Bellweather is the head of Ofcom. Nick Grimsby was arrested on Tuesday. Tom Hale was the first man there."
    )
    found = [(n, text.index(n)) for n in ("Ann Bellweather", "Nick Grimsby", "Tom Hale")]
    roles = _discourse(text, [(n, 0) for n, _ in found])
    assert roles == {"Ann Bellweather": ("head of Ofcom",), "Nick Grimsby": (), "Tom Hale": ()}
    text = "Mark Reedy, who is chief executive of Ovum Research, said so."
    assert _discourse(text, [("Mark Reedy", 0)]) == {"Mark Reedy": ("chief executive of Ovum Research",)}


def test_a_demonym_after_a_title_word_is_not_part_of_the_name_and_the_role_is_before_it(nlp):
    found = [
        f
        for f in ner.extract("Newly crowned European indoor champion Briton Carys Wendell also runs in Leeds.")
        if f.type == ner.PERSON
    ]
    assert [f.name for f in found] == ["Carys Wendell"]
    assert found[0].roles and found[0].roles[0].endswith("champion")


def test_a_name_before_awards_or_nominations_is_an_award_not_an_organisation(nlp):
    assert _typed("She has two nominations for Silver Harp awards this year.", "Silver Harp", ner.ORG) == ner.EVENT
    assert _typed("She won a Silver Harp nomination in 1988.", "Silver Harp", ner.ORG) == ner.EVENT
    assert _typed("She joined Silver Harp as a trainee in 1988.", "Silver Harp", ner.ORG) == ner.ORG


def test_what_the_text_says_outweighs_the_models_label_for_a_business(nlp):
    # a trade noun right before the name, or shares in it: an organisation, even where
    # the model calls every mention a person (and the role is the trade, not a job)
    assert (
        _typed("It has also gone after auditors Kellan Moore over the losses.", "Kellan Moore", ner.PERSON) == ner.ORG
    )
    assert _typed("Shares in Borlund Vestra fell 4% on Monday.", "Borlund Vestra", ner.PERSON) == ner.ORG
    assert _typed("Borlund Vestra, which is 25% owned by a bank, cut jobs.", "Borlund Vestra", ner.PERSON) == ner.ORG
    assert (
        _typed("Travellers booked with budget airline Kestrel Blue this year.", "Kestrel Blue", ner.PERSON) == ner.ORG
    )
    # a job right before the name stays a person's role
    assert (
        _typed("It has also gone after analyst Kellan Moore over the losses.", "Kellan Moore", ner.PERSON) == ner.PERSON
    )


def test_a_province_of_a_name_is_a_place_and_a_given_name_makes_a_person(nlp):
    assert _typed("The plant is in the southern province of Tamir Vadu.", "Tamir Vadu", ner.PERSON) == ner.PLACE
    assert _typed("The row over Andy Crawshore's registration goes on.", "Andy Crawshore", ner.PLACE) == ner.PERSON
    assert _typed("He lives near Port Crawshore in the west.", "Port Crawshore", ner.PLACE) == ner.PLACE


def test_a_group_a_business_or_a_club_in_a_team_list_is_not_a_person(nlp):
    assert _typed("Harbour Lights are currently working on a new album.", "Harbour Lights", ner.PERSON) == ner.ORG
    assert (
        _typed("Fiat will stop making engines for its Velora Tassi subsidiary.", "Velora Tassi", ner.PERSON) == ner.ORG
    )
    text = "The side: J Robson (Kestrel Sharks, capt); M Cole (Leeds)."
    assert _typed(text, "Kestrel Sharks", ner.PERSON) == ner.ORG
    # people stay people: two names are "are", a person's side is not a business
    assert _typed("Tom Hale and Ann Bellweather are friends.", "Ann Bellweather", ner.PERSON) == ner.PERSON
    assert _typed("The Tom Hale side lost again.", "Tom Hale", ner.PERSON) == ner.PERSON
    assert _typed("On Saturday Scotland were beaten at home.", "Scotland", ner.PLACE) == ner.PLACE


def test_a_role_as_the_subject_of_a_clause_or_a_lead_goes_to_its_person(nlp):
    text = "The leader of the Harbour Party has been arrested in Leeds. Police said Tomas Averill was held on Tuesday."
    assert _roles(text).get("Tomas Averill") == ("leader of the Harbour Party",)
    text = (
        "Dana Whitcombe was unveiled on Monday. The club have confirmed that the former Corby coach will start at once."
    )
    assert _roles(text).get("Dana Whitcombe") == ("former Corby coach",)


def test_nouns_that_only_end_like_an_agent_are_not_roles(nlp):
    for word in ("disaster", "horror", "moments", "cylinder"):
        assert not ner.person_noun(word), word
    for word in ("drummer", "crooner", "director", "songwriters", "bookmaker", "auctioneer", "members"):
        assert ner.person_noun(word), word


def test_a_models_span_is_cut_to_the_names_it_holds(nlp):
    text = (
        "Bookmakers Harlow said so. Kestrel bank grew. All Reds in Corby won. "
        "Corby and Bath drew; Corby lost, Bath won."
    )
    starts = {0, text.index("Kestrel"), text.index("All"), text.index("Corby and")}

    def cut(span: str) -> dict[str, str]:
        at = text.index(span)
        return {
            text[p.start : p.end]: p.type
            for p in ner.split_span(text, ner.Span(at, at + len(span), ner.ORG, "model"), starts)
        }

    assert cut("Bookmakers Harlow") == {"Harlow": ner.ORG}
    assert cut("Kestrel bank") == {"Kestrel": ner.ORG}
    assert cut("All Reds in Corby") == {"All Reds": ner.ORG, "Corby": ner.PLACE}
    assert cut("Corby and Bath") == {"Corby": ner.ORG, "Bath": ner.ORG}
    text = "Marks and Sparks said it would grow."
    assert [text[p.start : p.end] for p in ner.split_span(text, ner.Span(0, 16, ner.ORG, "model"), {0})] == [
        "Marks and Sparks"
    ]


def test_a_demonym_and_a_surname_is_that_person(nlp):
    text = "Tayla Brenton won in Leeds. American Brenton then lost a set."
    people = ner.Extracted("Tayla Brenton", ner.PERSON, "Tayla Brenton", 0, 13, text)
    at = text.index("American Brenton")
    other = ner.Extracted("American Brenton", ner.ORG, "American Brenton", at, at + 16, text)
    out = _consolidate(text, [people, other])
    assert [(f.name, f.type) for f in out] == [("Tayla Brenton", ner.PERSON)] * 2


def _consolidated(text: str, typed: list[tuple[str, str]], *, sentences: bool = False) -> dict[str, str]:
    """The types _consolidate gives names the model called (name, kind), each at its first place."""
    found = []
    for name, kind in typed:
        at = text.index(name)
        found.append(ner.Extracted(name, kind, name, at, at + len(name), text))
    return {f.name: f.type for f in _consolidate(text, found, sentences=sentences)}


def test_names_in_one_list_are_of_one_kind(nlp):
    text = "The last eight are Corbridge Athletic, Harlow Rovers, Kestrelby Town and Tamworth, who won on Tuesday."
    typed = [
        ("Corbridge Athletic", ner.ORG),
        ("Harlow Rovers", ner.ORG),
        ("Kestrelby Town", ner.ORG),
        ("Tamworth", ner.PLACE),
    ]
    assert _consolidated(text, typed)["Tamworth"] == ner.ORG
    # two names are not a list, and a list of mixed kinds says nothing
    text = "He played for Harlow Rovers and Tamworth before he retired."
    assert _consolidated(text, [("Harlow Rovers", ner.ORG), ("Tamworth", ner.PLACE)])["Tamworth"] == ner.PLACE


def test_a_name_one_stars_or_has_a_role_in_is_a_work_and_the_oscars_are_an_event(nlp):
    assert _typed("She won praise for her role in Glass Harbour last year.", "Glass Harbour", ner.ORG) == ner.PRODUCT
    assert _typed("He is starring in Kestrelmoor this spring.", "Kestrelmoor", ner.PLACE) == ner.PRODUCT
    assert _typed("He grew up in Kestrelmoor and left in 1990.", "Kestrelmoor", ner.PLACE) == ner.PLACE
    assert ner.canonical_alias("Oscars") == ("Academy Awards", ner.EVENT)


def test_a_capitalised_word_after_a_or_his_is_a_thing_not_a_name(nlp):
    text = "He will deliver his Budget to the House. Mr Brown hinted at a Budget giveaway."
    assert _consolidated(text, [("Budget", ner.ORG)]) == {}
    # a name used as a modifier stays a name: "his Florida home", "a California-based firm"
    assert _consolidated("He died at his Florida home.", [("Florida", ner.PLACE)]) == {"Florida": ner.PLACE}
    assert _consolidated("Titan, a California-based firm, paid.", [("California", ner.PLACE)]) == {
        "California": ner.PLACE
    }


def test_a_work_said_by_the_text_is_flagged_for_the_index(nlp):
    text = "He created the TV show Glass Harbour for the BBC."
    at = text.index("Glass Harbour")
    found = [ner.Extracted("Glass Harbour", ner.ORG, "Glass Harbour", at, at + 13, text)]
    out = _consolidate(text, found)
    assert [(f.type, f.work) for f in out] == [(ner.PRODUCT, True)]
    text = "Investors said Kestrelmoor made a loss."
    found = [ner.Extracted("Kestrelmoor", ner.ORG, "Kestrelmoor", 15, 26, text)]
    assert [f.work for f in _consolidate(text, found)] == [False]


def test_the_employer_in_a_role_before_a_name_is_indexed(nlp):
    text = "Arsenal are linked with Kestrelby keeper Mark Schwarzen, and Sophlex consultant Graham Clewley agreed."
    people = [("Mark Schwarzen", ("Kestrelby keeper",)), ("Graham Clewley", ("Sophlex consultant",))]
    found = []
    for name, roles in people:
        at = text.index(name)
        found.append(ner.Extracted(name, ner.PERSON, name, at, at + len(name), text, roles))
    out = {f.name: f.type for f in _consolidate(text, found)}
    assert out == {"Kestrelby": ner.ORG, "Mark Schwarzen": ner.PERSON, "Sophlex": ner.ORG, "Graham Clewley": ner.PERSON}
    # adjectives and titles in a role are not names
    text = "Olympic champion Tomas Averill and French Open finalist Ann Bell met."
    found = [
        ner.Extracted(n, ner.PERSON, n, text.index(n), text.index(n) + len(n), text, (r,))
        for n, r in (("Tomas Averill", "Olympic champion"), ("Ann Bell", "French Open finalist"))
    ]
    out = {f.name for f in _consolidate(text, found)}
    assert "Olympic" not in out and "French" not in out


def test_a_given_name_opening_a_sentence_stays_in_the_name(nlp):
    people = {f.name for f in ner.extract("Frank Lloyd Wright designed the house in 1936.") if f.type == ner.PERSON}
    assert people == {"Frank Lloyd Wright"}
    people = {f.name for f in ner.extract("Comedian Chris Morris made the show.") if f.type == ner.PERSON}
    assert people == {"Chris Morris"}


def test_a_demonym_between_a_role_and_a_name_is_not_the_role(nlp):
    roles = _roles("In the last eight he will face seventh seed Russian Mikhail Ostrovsky on Friday.")
    assert roles.get("Mikhail Ostrovsky") == ("seventh seed",)
    assert _roles("He met his German counterpart Hans Eichmeyer in Paris.").get("Hans Eichmeyer") == (
        "German counterpart",
    )


# -- third pass: posts taken or left "as", joined roles, ages, hyphens, ranking -----------


def test_a_post_taken_or_left_as_something_is_a_role(nlp):
    roles = _roles("Callum Ferrow says he will not quit as Wales coach even if his side loses again.")
    assert roles["Callum Ferrow"] == ("Wales coach",)
    roles = _roles(
        "He was compared with Ottmar Reinholt, recently sacked as Austria football manager after six defeats."
    )
    assert roles["Ottmar Reinholt"] == ("Austria football manager",)
    # the verb's "as" is not part of the role
    roles = _roles("Dario Mendel was named as captain on Friday.")
    assert roles["Dario Mendel"] == ("captain",)
    # a copula without a job noun gives none
    assert _roles("Dario Mendel was arrested by a police officer on Friday.")["Dario Mendel"] == ()


def test_two_roles_joined_by_and_are_one_role(nlp):
    roles = _roles("Veteran Labour MP and former Cabinet minister Hugh Pellowe has said he will stand down.")
    assert roles["Hugh Pellowe"] == ("Veteran Labour MP and former Cabinet minister",)
    roles = _roles("Sharon Pemberton is currently appearing as a judge and mentor in a talent show on ITV.")
    assert roles["Sharon Pemberton"] == ("judge and mentor",)
    # a name before "and" is not part of the next person's role
    roles = _roles("Brent and Tesla chief executive Warren Oakes met on Monday.")
    assert roles["Warren Oakes"] == ("Tesla chief executive",)
    roles = _roles("Radio Gaia music and marketing manager Simon Gorley said listeners had doubled.")
    assert roles["Simon Gorley"][0].endswith("music and marketing manager")


def test_an_age_is_not_a_role_and_a_hyphenated_job_is_one_word(nlp):
    text = "Tony Harland met union leaders on Monday. The 51-year-old premier said the talks had gone well."
    found = [f for f in ner.extract(text) if f.name == "Tony Harland"]
    assert "premier" in {r for f in found for r in f.roles}
    assert not any("year-old" in r for f in found for r in f.roles)
    roles = _roles("The press conference hosted by election co-ordinator Alun Milbrook was short.")
    assert roles["Alun Milbrook"] and roles["Alun Milbrook"][0].endswith("co-ordinator")


def test_a_subject_role_after_an_irregular_verb_names_the_person_before(nlp):
    text = (
        "Seamus McIlwaine stormed to his second victory of the week in Erfurt. "
        "The Northern Ireland runner set a new personal best of one minute 46 seconds."
    )
    found = [f for f in ner.extract(text) if f.name == "Seamus McIlwaine"]
    assert ("Northern Ireland runner",) in [f.roles for f in found]


def test_an_articles_roles_put_the_one_it_gives_most_first():
    from newsbrief.summaries.index.entity_index import _contribution

    def mention(*roles: str) -> ner.Extracted:
        return ner.Extracted("Tony Harland", ner.PERSON, "Tony Harland", 0, 12, "", roles)

    c = _contribution(
        [
            mention("51-year-old premier"),
            mention("Lord"),
            mention("Lord", "Prime Minister"),
            mention("Prime Minister"),
            mention("Lord"),
        ]
    )
    assert c["roles"] == ["Prime Minister", "51-year-old premier", "Lord"]  # a form of address last


def _typed_many(text: str, mentions: list[tuple[str, str, tuple[str, ...]]]) -> dict[str, str]:
    """The types _consolidate gives names the model called (name, kind, roles), each at
    its first place in ``text``."""
    found = []
    for name, kind, roles in mentions:
        at = text.index(name)
        found.append(ner.Extracted(name, kind, name, at, at + len(name), text, roles))
    art = ner.Art(text, ner.sentences_of(text), found)
    return {f.name: f.type for f in ner.consolidate(art, ner.english_words())}


def test_a_star_role_names_a_film_outside_sport_and_a_club_in_it(nlp):
    film = "The favourite is Glass Harbour star Petra Lindqvist, who is nominated for best actress."
    kinds = _typed_many(
        film, [("Glass Harbour", ner.ORG, ()), ("Petra Lindqvist", ner.PERSON, ("Glass Harbour star",))]
    )
    assert kinds == {"Glass Harbour": ner.PRODUCT, "Petra Lindqvist": ner.PERSON}
    club = (
        "Corby star Dan Ferris scored twice as the side won 2-1 in the league. The striker's goals lifted the "
        "club in the cup match, and the coach praised the squad's season."
    )
    kinds = _typed_many(club, [("Corby", ner.ORG, ()), ("Dan Ferris", ner.PERSON, ("Corby star",))])
    assert kinds["Corby"] == ner.ORG
    assert ner.sporty_text(club) and not ner.sporty_text(film)


def test_a_name_shaped_like_a_band_is_a_group_not_a_person(nlp):
    assert (
        _typed("The chart was topped by Paper Lanterns with their new album.", "Paper Lanterns", ner.PERSON) == ner.ORG
    )
    assert _typed("Suits worn by the Marrowbones on an album cover were sold.", "Marrowbones", ner.PERSON) == ner.ORG
    # a surname that is also a plural, or a given name first, is still a person
    assert _typed("The chart was topped by Tom Roberts with his new album.", "Tom Roberts", ner.PERSON) == ner.PERSON
    assert _typed("The race was won by Gethin Evans on Sunday.", "Gethin Evans", ner.PERSON) == ner.PERSON


def test_a_building_or_venue_is_a_place(nlp):
    assert (
        _typed("The awards are held at the Harrowgate Theatre on Sunday.", "Harrowgate Theatre", ner.ORG) == ner.PLACE
    )
    assert _typed("Work on the Kellow Dam began in 2002.", "Kellow Dam", ner.ORG) == ner.PLACE
    assert _typed("Alexandra Tower said she would stand again.", "Alexandra Tower", ner.PERSON) == ner.PERSON


def test_a_person_with_an_organisation_word_is_a_club_or_firm(nlp):
    text = "The billionaire made a new offer to buy Kellingham United on Monday."
    at = text.index("Kellingham United")
    art = ner.finish(text, (), [ner.Span(at, at + len("Kellingham United"), ner.PERSON, "model")], model=True)
    assert [(f.name, f.type) for f in art.found] == [("Kellingham United", ner.ORG)]
    text = "Shares rose, said Kate Power on Monday."
    at = text.index("Kate Power")
    art = ner.finish(text, (), [ner.Span(at, at + len("Kate Power"), ner.PERSON, "model")], model=True)
    assert [(f.name, f.type) for f in art.found] != [("Kate Power", ner.ORG)]


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.name, f.type) for f in ner.extract(text)]


def test_a_known_place_opening_a_sentence_or_a_role_is_a_place(nlp):
    # the model's word tables hold "germany" and "edinburgh" in lower case: not common words
    assert ner.known_place("Edinburgh") and ner.known_place("Germany") and not ner.known_place("Broadband")
    assert not ner.known_place("Olympic")  # a town of that name, but an adjective
    text = "Mr Dale held talks with finance ministers. Germany also proposed a freeze and Canada backed it."
    assert ("Germany", ner.PLACE) in _found(text)
    # a town in a role before a person is a name, also where the word tables hold it
    text = "Talks with Blackburn keeper Mark Schwarzen ended on Monday."
    assert "blackburn" in ner.english_words()
    at = text.index("Mark")
    found = [ner.Extracted("Mark Schwarzen", ner.PERSON, "Mark Schwarzen", at, at + 14, text, ("Blackburn keeper",))]
    out = {f.name: f.type for f in _consolidate(text, found)}
    assert out.get("Blackburn") == ner.ORG


def test_an_event_named_after_a_city_also_names_the_city(nlp):
    found = _found("The film was shown at the Cannes Film Festival last May, to great applause.")
    assert ("Cannes", ner.PLACE) in found and ("Cannes Film Festival", ner.EVENT) in found
    # a cup named after a person, and an adjective, are no host
    assert ner.host_place("Davis Cup") == "" and ner.host_place("Golden Globes") == ""
    assert ner.host_place("Sydney Olympics") == "Sydney"


def test_a_currency_is_not_a_place(nlp):
    assert [n for n, k in _found("The ATP said it would give US$25,000 to the appeal.") if k == ner.PLACE] == []


def test_a_town_the_model_called_an_organisation_is_a_place_where_the_words_say_so(nlp):
    assert _typed("A 24-year-old man from Leicester was detained on Monday.", "Leicester", ner.ORG) == ner.PLACE
    assert _typed("A 24-year-old man from Leicester was detained on Monday.", "Leicester", ner.PERSON) == ner.PLACE
    assert _typed("He said the Finchley constituency had a large Jewish community.", "Finchley", ner.ORG) == ner.PLACE
    assert _typed("She was selected to fight Bristol East for Labour.", "Bristol East", ner.ORG) == ner.PLACE
    assert _typed("The Andhra Pradesh government said so.", "Andhra Pradesh", ner.PLACE) == ner.PLACE
    # a firm named like a town stays a firm where nothing says it is the town
    assert _typed("Sales at Toyota rose 5% in March.", "Toyota", ner.ORG) == ner.ORG


def test_screen_roles_records_and_parts_played_name_works(nlp):
    text = "Earlier, Glass Harbour judge Sharon Ellery said the series would return."
    kinds = _typed_many(text, [("Glass Harbour", ner.ORG, ()), ("Sharon Ellery", ner.PERSON, ("Glass Harbour judge",))])
    assert kinds["Glass Harbour"] == ner.PRODUCT
    text = "Viewers heard that BBC presenter Sharon Ellery would leave."
    kinds = _typed_many(text, [("BBC", ner.ORG, ()), ("Sharon Ellery", ner.PERSON, ("BBC presenter",))])
    assert kinds["BBC"] == ner.ORG  # an acronym before "presenter" is a broadcaster
    assert _typed("Suits worn on their Lantern Days album cover were sold.", "Lantern Days", ner.ORG) == ner.PRODUCT
    assert (
        _typed("Kudrow, who played Phoebe in Kettle Lane, co-wrote the pilot.", "Kettle Lane", ner.ORG) == ner.PRODUCT
    )
    assert _typed("The rapper's song, Paper Crowns, went to number one.", "Paper Crowns", ner.ORG) == ner.PRODUCT
    assert _typed("The album follows single Paper Crowns into the chart.", "Paper Crowns", ner.ORG) == ner.PRODUCT
    assert (
        _typed("The Saturday night entertainment show Glass Harbour will not return.", "Glass Harbour", ner.ORG)
        == ner.PRODUCT
    )
    assert (
        _typed("It includes Paper Crowns, the track that made the band famous.", "Paper Crowns", ner.ORG) == ner.PRODUCT
    )


def test_a_country_or_a_state_the_model_called_an_organisation_is_a_place(nlp):
    assert _typed("Leaders asked Turkey to recognise Cyprus before the talks.", "Cyprus", ner.ORG) == ner.PLACE
    assert _typed("The industry minister of India's Kerala state said so.", "Kerala", ner.ORG) == ner.PLACE
    assert _typed("An Kerala official added that a site was approved.", "Kerala", ner.ORG) == ner.PLACE


def test_a_short_code_the_model_calls_an_organisation_is_one_but_a_model_number_is_not(nlp):
    text = "Rumours say Q7 may headline the festival this summer."
    at = text.index("Q7")
    art = ner.finish(text, (), [ner.Span(at, at + 2, ner.ORG, "model")], model=True)
    assert [(f.name, f.type) for f in art.found] == [("Q7", ner.ORG)]
    text = "Sony said the Q7 console would cost less."
    at = text.index("Q7")
    art = ner.finish(text, (), [ner.Span(at, at + 2, ner.ORG, "model")], model=True)
    assert art.found == []
    text = "The C-130J Super Hercules landed."
    at = text.index("C-130J")
    art = ner.finish(text, (), [ner.Span(at, at + 6, ner.ORG, "model")], model=True)
    assert art.found == []


def test_two_teams_joined_by_and_are_two_in_a_report_on_sport(nlp):
    text = (
        "Officials said Kestrelby and Harlowe were charged. The striker's goals lifted the side in the league "
        "match, the coach said, and the club's season goes on after the 2-1 cup win."
    )
    at = text.index("Kestrelby")
    span = ner.Span(at, at + len("Kestrelby and Harlowe"), ner.ORG, "model")
    parts = ner.split_span(text, span, set(), ner.sporty_text(text))
    assert [text[p.start : p.end] for p in parts] == ["Kestrelby", "Harlowe"]
    assert [text[p.start : p.end] for p in ner.split_span(text, span, set(), False)] == ["Kestrelby and Harlowe"]


def test_a_public_body_or_a_bank_the_model_cut_is_one_name(nlp):
    text = "A report by the Health and Safety Executive said staff were at risk."
    at = text.index("Safety")
    art = ner.finish(
        text, (), [ner.Span(text.index("the Health"), at + len("Safety Executive"), ner.ORG, "model")], model=True
    )
    assert [f.name for f in art.found] == ["Health and Safety Executive"]
    found = [ner.Extracted("Safety Executive", ner.ORG, "Safety Executive", at, at + 16, text)]
    assert [f.name for f in ner.join_institutions(text, found)] == ["Health and Safety Executive"]
    text = "Shares in Royal Bank of Scotland rose."
    a, b = text.index("Royal"), text.index("Scotland")
    found = [
        ner.Extracted("Royal Bank", ner.ORG, "Royal Bank", a, a + 10, text),
        ner.Extracted("Scotland", ner.PLACE, "Scotland", b, b + 8, text),
    ]
    assert [(f.name, f.type) for f in ner.join_institutions(text, found)] == [("Royal Bank of Scotland", ner.ORG)]
    # a name once joined at "and" is not joined again
    text = "Researchers from the University of the Highlands and Islands and Southampton met."
    a, b = text.index("University"), text.index("Southampton")
    found = [
        ner.Extracted(
            "University of the Highlands and Islands",
            ner.ORG,
            "University of the Highlands and Islands",
            a,
            a + 39,
            text,
        ),
        ner.Extracted("Southampton", ner.PLACE, "Southampton", b, b + 11, text),
    ]
    assert [f.name for f in ner.join_institutions(text, found)] == [
        "University of the Highlands and Islands",
        "Southampton",
    ]


_MATCH_REPORT = (
    " The striker's goals lifted the side in the league match, the coach said, and the club's "
    "season goes on after the 2-1 cup win."
)


def test_in_a_report_on_sport_a_ground_is_a_place_and_a_player_a_person(nlp):
    text = "Kestrelby claimed a draw at Ravensmoor on Saturday." + _MATCH_REPORT
    assert _typed(text, "Ravensmoor", ner.ORG) == ner.PLACE
    text = "Johansson won the final with a 7-5 win over Taylor Brent on Sunday. Brent was tired." + _MATCH_REPORT
    assert _typed(text, "Taylor Brent", ner.ORG) == ner.PERSON  # the surname again, alone: a person
    # a given-name-shaped firm stays a firm
    text = "Analysts at Morgan Stanley said the shares were cheap." + _MATCH_REPORT
    assert _typed(text, "Morgan Stanley", ner.ORG) == ner.ORG


def test_a_person_the_model_called_a_place_but_not_a_river_or_a_street(nlp):
    assert _typed("Rio Kendall is unsure of the offer, said Kendall.", "Rio Kendall", ner.PLACE) == ner.PERSON
    assert _typed("The Shiv Mandal party won three seats.", "Shiv Mandal", ner.PLACE) == ner.PLACE
    assert _typed("Boats filled the River Tamsin on Sunday.", "River Tamsin", ner.PLACE) == ner.PLACE
    assert _typed("Offices on Victoria Street were closed.", "Victoria Street", ner.PLACE) == ner.PLACE


def test_a_person_named_by_english_words_and_no_given_name_is_a_group(nlp):
    assert _typed("Fans queued as Paper Harbour played Dublin on Friday.", "Paper Harbour", ner.PERSON) == ner.ORG
    # a given name, an initial, or a role keeps a person
    assert _typed("Fans queued as Rose Tremmel played Dublin on Friday.", "Rose Tremmel", ner.PERSON) == ner.PERSON
    assert _typed("The side: J Lewton, B Cole and others.", "J Lewton", ner.PERSON) == ner.PERSON


def test_a_firm_named_with_a_word_of_weapons_is_kept(nlp):
    for name in ("Jet Airways", "Cisco Systems"):
        text = f"Shares in {name} rose on Monday."
        at = text.index(name)
        art = ner.finish(text, (), [ner.Span(at, at + len(name), ner.ORG, "model")], model=True)
        assert [f.name for f in art.found] == [name]
    text = "The army bought Javelin Anti-Tank Guided Missiles last year."
    at = text.index("Javelin")
    art = ner.finish(text, (), [ner.Span(at, at + 33, ner.ORG, "model")], model=True)
    assert art.found == []


def test_a_list_goes_on_over_the(nlp):
    text = "Along with the GMB and Unisonic, the TGWU and Amicus worked closely together."
    typed = [("GMB", ner.ORG), ("Unisonic", ner.PLACE), ("TGWU", ner.ORG), ("Amicus", ner.ORG)]
    assert _consolidated(text, typed)["Unisonic"] == ner.ORG


def test_a_newspaper_named_daily_sunday_or_evening_is_an_organisation(nlp):
    found = _found("He said the claims in the Sunday Courier and Evening Gazette were wrong.")
    assert ("Sunday Courier", ner.ORG) in found and ("Evening Gazette", ner.ORG) in found
    assert not any(n.startswith("Sunday") for n, _ in _found("The match is on Sunday March 5 in Leeds."))


def test_in_a_report_on_sport_a_town_with_a_club_name_is_the_club(nlp):
    text = "Newford City are expected to appeal. A lawyer for Newford FC said Newford had new evidence." + _MATCH_REPORT
    kinds = _typed_many(
        text, [("Newford City", ner.PLACE, ()), ("Newford FC", ner.ORG, ()), ("Newford", ner.PLACE, ())]
    )
    assert kinds["Newford City"] == ner.ORG
    # "Newford" alone: the text's first bare mention is checked (the FC one is part of "Newford FC")
    text2 = "A lawyer for Newford FC spoke. Later Newford had new evidence." + _MATCH_REPORT
    at = text2.index("Newford had")
    found = [
        ner.Extracted(
            "Newford FC", ner.ORG, "Newford FC", text2.index("Newford FC"), text2.index("Newford FC") + 10, text2
        ),
        ner.Extracted("Newford", ner.PLACE, "Newford", at, at + 7, text2),
    ]
    out = {f.name: f.type for f in _consolidate(text2, found, sentences=True)}
    assert out.get("Newford", ner.ORG) == ner.ORG and out["Newford FC"] == ner.ORG
    # outside sport, a city stays a city
    assert _typed("Traffic in Mexico City was heavy on Monday.", "Mexico City", ner.PLACE) == ner.PLACE


def test_a_one_word_place_no_gazetteer_knows_needs_a_place_word_before_it(nlp):
    # "Nirvana tracks", "the Bottle": the small model's guesses, never written where a place goes
    text = "A box set of unreleased Quorvana tracks went on sale. Fans of Quorvana queued."
    assert _typed(text, "Quorvana", ner.PLACE) == ""
    text = "The storm hit Quorvana on Monday, and homes in Quorvana were flooded."
    assert _typed(text, "Quorvana", ner.PLACE, start=text.index("Quorvana", 20)) == ner.PLACE
    # a known place needs no such word
    assert _typed("Lancashire voted on Monday.", "Lancashire", ner.PLACE) == ner.PLACE
    assert ner.known_place("Yugoslavia") and ner.known_place("Hollywood")
    assert not ner.known_place("Central") and not ner.known_place("North")


def test_a_role_after_who_will_be(nlp):
    roles = _roles("The tour is a massive media event, said Clive Woodhall, who will be the head coach.")
    assert roles.get("Clive Woodhall") == ("head coach",)


def test_a_person_span_the_model_cut_or_ran_on_is_the_whole_name(nlp):
    text = "Featuring Cliff Rennard and others, the song was a hit."
    at = text.index("Rennard")
    art = ner.finish(text, (), [ner.Span(at, at + 7, ner.PERSON, "model")], model=True)
    assert [f.name for f in art.found] == ["Cliff Rennard"]
    text = "The top ten included Glass Company - starring Dennis Quill and Carla Jenssen - Racing Stripes."
    at = text.index("Carla")
    art = ner.finish(text, (), [ner.Span(at, text.index(" Racing") + 15, ner.PERSON, "model")], model=True)
    assert [f.name for f in art.found] == ["Carla Jenssen"]


def test_a_full_name_typed_two_ways_is_voted_not_forced(nlp):
    # a name called a person once and an organisation three times is not forced to a person
    text = (
        "Fiat will make engines for its Vantor Romeo subsidiary. Sales of Vantor Romeo cars fell. "
        "Plants of Vantor Romeo will close. All Vantor Romeo models can be bought."
    )
    starts = [m.start() for m in __import__("re").finditer("Vantor Romeo", text)]
    kinds = [ner.ORG, ner.PERSON, ner.ORG, ner.ORG]
    found = [ner.Extracted("Vantor Romeo", k, "Vantor Romeo", a, a + 12, text) for a, k in zip(starts, kinds)]
    out = {f.type for f in _consolidate(text, found, sentences=True)}
    assert out == {ner.ORG}
    # "its maker, X": a firm
    assert _typed("The drug was bought from its maker, Eli Lindqvist, last year.", "Eli Lindqvist", ner.ORG) == ner.ORG


def test_a_channel_number_is_part_of_its_name(nlp):
    text = "She told BBC Radio Four that the plan was sound."
    at = text.index("BBC")
    art = ner.finish(text, (), [ner.Span(at, at + 9, ner.ORG, "model")], model=True)
    assert [f.name for f in art.found] == ["BBC Radio Four"]
    text = "BBC One Saturday morning show Glass Harbour won."
    art = ner.finish(text, (), [ner.Span(0, 3, ner.ORG, "model")], model=True)
    assert [f.name for f in art.found] == ["BBC One"]


def test_in_a_report_on_sport_a_list_of_towns_with_a_club_in_it_is_of_clubs(nlp):
    text = "Seeded in the draw: Harlowe, Kestrelby, Marlowby, Corby United and Tamworth." + _MATCH_REPORT
    typed = [
        ("Harlowe", ner.PLACE),
        ("Kestrelby", ner.PLACE),
        ("Marlowby", ner.PLACE),
        ("Corby United", ner.ORG),
        ("Tamworth", ner.PLACE),
    ]
    kinds = _consolidated(text, typed)
    assert kinds["Harlowe"] == ner.ORG and kinds["Tamworth"] == ner.ORG
    # a tour's towns stay towns
    text = "The tour visits Harlowe, Kestrelby, Marlowby and Tamworth." + _MATCH_REPORT
    typed = [("Harlowe", ner.PLACE), ("Kestrelby", ner.PLACE), ("Marlowby", ner.PLACE), ("Tamworth", ner.PLACE)]
    assert set(_consolidated(text, typed).values()) == {ner.PLACE}


def test_a_relative_named_by_a_given_name_alone_is_a_person(nlp):
    text = "He walked in with his wife Ffionna on Friday."
    at = text.index("Ffionna")
    found = [ner.Extracted("Ffionna", ner.PERSON, "Ffionna", at, at + 7, text)]
    out = _consolidate(text, found)
    assert [(f.name, f.type, f.weak) for f in out] == [("Ffionna", ner.PERSON, False)]


def test_a_team_sheet_names_people_by_initial_and_surname(nlp):
    text = "J Robson (Harlowe, capt); M Cueva (Harlowe), T Nairn (Kestrelby); C Hodge (Harlowe)." + _MATCH_REPORT
    people = {f.name for f in ner.extract(text) if f.type == ner.PERSON}
    assert {"J Robson", "M Cueva", "T Nairn", "C Hodge"} <= people


def test_lone_surnames_in_a_list_with_full_names_are_people(nlp):
    text = "Replacements: S Easton, Corrigall, Fennelly, Ohanlon."
    typed = [("S Easton", ner.PERSON), ("Corrigall", ner.PERSON), ("Fennelly", ner.PERSON), ("Ohanlon", ner.PERSON)]
    found = []
    for name, kind in typed:
        at = text.index(name)
        found.append(ner.Extracted(name, kind, name, at, at + len(name), text))
    out = _consolidate(text, found)
    assert {(f.name, f.weak) for f in out if f.type == ner.PERSON} >= {("Corrigall", False), ("Fennelly", False)}


def test_a_trade_noun_before_a_name_makes_it_a_firm(nlp):
    assert _typed("Auditors at QRX said the accounts were sound.", "QRX", ner.ORG) == ner.ORG


def test_an_acronym_before_a_place_is_an_organisation_and_the_place(nlp):
    text = "Monica Chand, BBC Delhi reporter, said air travel had grown."
    at = text.index("BBC")
    parts = ner.split_span(text, ner.Span(at, at + 9, ner.PLACE, "model"), set())
    assert [(text[p.start : p.end], p.type) for p in parts] == [("BBC", ner.ORG), ("Delhi", ner.PLACE)]


def test_a_surname_takes_the_full_name_the_model_called_a_place(nlp):
    text = "The row over Andy Crawley goes on. Crawley was not registered."
    a, b = text.index("Andy"), text.index("Crawley was")
    found = [
        ner.Extracted("Andy Crawley", ner.PLACE, "Andy Crawley", a, a + 12, text),
        ner.Extracted("Crawley", ner.PLACE, "Crawley", b, b + 7, text),
    ]
    out = _consolidate(text, found, sentences=True)
    assert {(f.name, f.type) for f in out} == {("Andy Crawley", ner.PERSON)}


def test_an_auction_house_after_its_trade_is_an_organisation(nlp):
    assert _typed("The suits were sold by auctioneers Hollins in New York.", "Hollins", ner.PLACE) == ner.ORG


def test_the_younger_is_part_of_a_name(nlp):
    text = "He wrote a biography of William Pitt the Younger last year."
    at = text.index("Younger")
    art = ner.finish(text, (), [ner.Span(at, at + 7, ner.ORG, "model")], model=True)
    assert art.found == []


def test_a_family_is_not_a_band(nlp):
    text = "Mr Blaine said the Blaines would not comment."
    assert not ner.group_name("Blaines", text, text.index("Blaines"))
    text = "Suits worn by the Marrowbones were sold."
    assert ner.group_name("Marrowbones", text, text.index("Marrowbones"))


def test_a_demonym_and_a_surname_is_the_person_the_text_names_in_full(nlp):
    text = "Johansson beat Taylor Dunne 7-5. Dunne was tired, and the American Dunne left."
    out = _consolidated(text, [("Taylor Dunne", ner.ORG), ("American Dunne", ner.ORG)], sentences=True)
    assert set(out) == {"Taylor Dunne"}


def test_a_given_name_with_an_editors_surname_in_brackets_is_one_person(nlp):
    text = "There has been a big gamble on Natalie [Appleby] to go, bookies said."
    at = text.index("Natalie")
    found = ner.bracketed_surnames(
        text,
        [
            ner.Extracted("Natalie", ner.ORG, "Natalie", at, at + 7, text),
            ner.Extracted("Appleby", ner.ORG, "Appleby", at + 9, at + 16, text),
        ],
    )
    assert [(f.name, f.type) for f in found] == [("Natalie Appleby", ner.PERSON)]


def test_the_plural_of_a_named_persons_surname_is_their_family_not_an_entity(nlp):
    text = "Tony Blaine spoke. The birth of the Blaines' fourth child was a surprise."
    out = _consolidated(text, [("Tony Blaine", ner.PERSON), ("Blaines", ner.ORG)], sentences=True)
    assert set(out) == {"Tony Blaine"}


def test_a_party_before_its_members(nlp):
    text = "Some Labour MPs said the plan was wrong."
    at = text.index("Labour")
    parts = ner.split_span(text, ner.Span(at, at + 10, ner.ORG, "model"), set())
    assert [text[p.start : p.end] for p in parts] == ["Labour"]


def test_a_town_outside_sport_and_business_is_the_town(nlp):
    assert _typed("Labour has held Oxford since 1997, the party said.", "Oxford", ner.ORG) == ner.PLACE
    business = "Sales at Toyota rose, and the firm's shares and profits beat the market, investors said."
    assert ner.businessy(business) and _typed(business, "Toyota", ner.ORG) == ner.ORG


def test_a_name_that_owns_a_drug_or_shares_is_a_firm(nlp):
    text = "It was banned from selling a version of Pflaxo's popular hypertension drug in the US."
    at = text.index("Pflaxo")
    found = [ner.Extracted("Pflaxo", ner.PERSON, "Pflaxo", at, at + 6, text)]
    out = _consolidate(text, found)
    assert [f.type for f in out if f.name == "Pflaxo"] == [ner.ORG]


def test_a_hit_a_screening_a_recording_and_a_film_makers_title_are_works(nlp):
    assert _typed("It samples Marla Quist's 1980s hit Paper Boats.", "Paper Boats", ner.ORG) == ner.PRODUCT
    assert _typed("The festival opens with a screening of Lowlight.", "Lowlight", ner.ORG) == ner.PRODUCT
    assert _typed("Twenty stars re-recorded Hold the Line for charity.", "Hold the Line", ner.ORG) == ner.PRODUCT
    # a title the model called a person, after a work noun; a name with a given name stays a person
    assert _typed("Her latest single, Car Park, reached number four.", "Car Park", ner.PERSON) == ner.PRODUCT
    assert _typed("Her latest single, Tom Roberts said, sold well.", "Tom Roberts", ner.PERSON) == ner.PERSON
    # "hit" is a verb as well
    assert _typed("The storm hit Kellow Pharma hard, investors said.", "Kellow Pharma", ner.ORG) == ner.ORG
    film = "A horror film produced by Night Tide director Sam Kellow topped the box office."
    kinds = _typed_many(film, [("Night Tide", ner.ORG, ()), ("Sam Kellow", ner.PERSON, ("Night Tide director",))])
    assert kinds["Night Tide"] == ner.PRODUCT
    firm = "Shares in the bank rose after Kellow Pharma director Sam Hale bought more."
    kinds = _typed_many(firm, [("Kellow Pharma", ner.ORG, ()), ("Sam Hale", ner.PERSON, ("Kellow Pharma director",))])
    assert kinds["Kellow Pharma"] == ner.ORG


def test_a_public_body_cut_after_its_first_word_is_joined(nlp):
    text = "The Public and Civil Kestrel Union will strike. So will the UK-Norway Trade and Fishing Commission."
    found = []
    for name, kind in (
        ("Public", ner.ORG),
        ("Civil Kestrel Union", ner.ORG),
        ("UK", ner.PLACE),
        ("Fishing Commission", ner.ORG),
    ):
        at = text.index(name)
        found.append(ner.Extracted(name, kind, name, at, at + len(name), text))
    out = [(f.name, f.type) for f in ner.join_institutions(text, found)]
    assert out == [("Public and Civil Kestrel Union", ner.ORG), ("UK-Norway Trade and Fishing Commission", ner.ORG)]
    assert ner.strict_initials("PCKU", "Public and Civil Kestrel Union")
    assert ner.strict_initials("PCK", "Public and Civil Kestrel Union")  # the head left out
    assert not ner.strict_initials("PC", "Public and Civil Kestrel Union")


def test_laws_awards_honours_and_adverbs_are_not_organisations(nlp):
    from spacy.tokens import Span

    doc = nlp.make_doc("Under the Kestrel Trade Practices Act, bribes are a crime, said Kellow Pharma.")
    doc.ents = [Span(doc, 1, 6, label="ORG"), Span(doc, 13, 15, label="ORG")]  # the model's two "organisations"
    assert [doc.text[s.start : s.end] for s in ner.spans_of_doc(doc)] == ["Kellow Pharma"]
    assert _consolidated("She was made an OBE in 2001 for her work.", [("OBE", ner.ORG)]) == {}
    assert _consolidated("He joined an IBM team in 2001.", [("IBM", ner.ORG)]) == {"IBM": ner.ORG}
    assert (
        _consolidated("He was named Kestrel Businessman of the Year by a magazine.", [("Kestrel Businessman", ner.ORG)])
        == {}
    )
    assert _consolidated("A report for a Congressionally-mandated panel said so.", [("Congressionally", ner.ORG)]) == {}


def test_an_electoral_seat_is_a_place(nlp):
    assert _typed("Mr Hale has been MP for Mid-Kestrelshire since 1997.", "Mid-Kestrelshire", ner.ORG) == ner.PLACE
    assert (
        _typed("He has represented the constituency now known as Marlowdale since 1970.", "Marlowdale", ner.ORG)
        == ner.PLACE
    )
    assert _typed("He has worked for Marlowdale since 1970.", "Marlowdale", ner.ORG) == ner.ORG


def test_a_group_with_a_plural_name_is_an_organisation(nlp):
    text = "The trio replace flamboyant US act Paper Lanterns at the top of the chart."
    kinds = _typed_many(text, [("Paper Lanterns", ner.PERSON, ("flamboyant US act",))])
    assert kinds["Paper Lanterns"] == ner.ORG
    solo = "The trio replace flamboyant US act Tom Roberts at the top of the chart."
    assert _typed_many(solo, [("Tom Roberts", ner.PERSON, ("flamboyant US act",))])["Tom Roberts"] == ner.PERSON
    assert _typed("Girls Upstairs, Akon and others all have new singles out.", "Girls Upstairs", ner.PERSON) == ner.ORG


def test_a_band_named_x_and_the_ys_and_all_before_a_group_are_one_name(nlp):
    def joined(text: str, parts: list[tuple[str, str]]) -> list[str]:
        found = []
        for name, kind in parts:
            at = text.index(name)
            found.append(ner.Extracted(name, kind, name, at, at + len(name), text))
        return [f.name for f in ner.join_institutions(text, found, ner.sentence_starts(text, ner.sentences_of(text)))]

    text = "He worked with Tom Hale and the Marrowbones and the Kestrels in the 1960s."
    assert joined(text, [("Tom Hale", ner.ORG), ("Marrowbones", ner.PERSON), ("Kestrels", ner.PERSON)]) == [
        "Tom Hale",
        "Marrowbones and the Kestrels",
    ]
    # a name written alone elsewhere is a name of its own
    text = "Labour and the Greens met. The Greens left."
    assert joined(text, [("Labour", ner.ORG), ("Greens", ner.ORG)]) == ["Labour", "Greens"]
    text = "Former All Kestrels singer Ann Hale left. All Kestrels fans wept."
    assert joined(text, [("Kestrels", ner.ORG)]) == ["All Kestrels"]
    assert joined("It rained. All Kestrels fans wept.", [("Kestrels", ner.ORG)]) == [
        "Kestrels"
    ]  # "All" opens the sentence


def test_initials_of_lower_case_words_and_a_share_index_are_not_organisations(nlp):
    text = "It said its kestrel output index (KOI) fell to 51.8 in December."
    assert _consolidated(text, [("KOI", ner.ORG)]) == {}
    assert _consolidated("The Kestrel Output Institute (KOI) said sales fell.", [("KOI", ner.ORG)]) == {
        "Kestrel Output Institute": ner.ORG
    }  # the name it is defined for
    assert _consolidated("It left the KSE 100, one of the main indexes.", [("KSE", ner.ORG)]) == {}
    # a year or a sum after the name says nothing of the kind
    assert _consolidated("The KSE 2004 report and the KSE said so.", [("KSE", ner.ORG)]) == {"KSE": ner.ORG}
    assert _consolidated("It paid KSE 250m for the site.", [("KSE", ner.ORG)]) == {"KSE": ner.ORG}


def test_a_firm_with_a_given_name_first_and_a_list_before_a_club(nlp):
    # "Alfa" is a given name; its subsidiary says a firm, and the name's shape counts once, not per mention
    text = (
        "Kestrel is to stop making engines for its Alfa Marlow subsidiary, unions said. Alfa Marlow engines "
        "will go. The Alfa Marlow plant will shut. All Alfa Marlow models are built there."
    )
    kinds = _typed_many(text, [("Alfa Marlow", ner.ORG, ())])
    found = []
    for m, kind in zip(re.finditer("Alfa Marlow", text), (ner.ORG, ner.PERSON, ner.ORG, ner.PERSON)):
        found.append(ner.Extracted("Alfa Marlow", kind, "Alfa Marlow", m.start(), m.end(), text))
    out = _consolidate(text, found, sentences=True)
    assert {f.type for f in out if f.name == "Alfa Marlow"} == {ner.ORG}
    assert kinds["Alfa Marlow"] == ner.ORG
    # a place read as a role before a name is no role: "Barcelona, ... Werder Kestrel"
    text = "The seeds are Barcelona, Kestrel Athletic and Werder Marlow, who lost 2-1 in the league."
    kinds = _typed_many(
        text,
        [
            ("Barcelona", ner.PLACE, ()),
            ("Kestrel Athletic", ner.ORG, ()),
            ("Werder Marlow", ner.PERSON, ("Barcelona",)),
        ],
    )
    assert kinds["Werder Marlow"] == ner.ORG


def test_a_players_club_is_an_organisation(nlp):
    sport = (
        "The keeper is linked with Kellowby's Sebastien Marle. He kept a clean sheet in the league match, "
        "and the club's coach praised the squad's season after the 2-0 win in the cup."
    )
    assert ner.sporty_text(sport)
    kinds = _typed_many(sport, [("Kellowby", ner.PERSON, ()), ("Sebastien Marle", ner.PERSON, ())])
    assert kinds == {"Kellowby": ner.ORG, "Sebastien Marle": ner.PERSON}
    # a country before its player is the national side, labelled by the country
    kinds = _typed_many(
        sport.replace("Kellowby", "Portugal"), [("Portugal", ner.PLACE, ()), ("Sebastien Marle", ner.PERSON, ())]
    )
    assert kinds["Portugal"] == ner.PLACE


def test_team_sheet_names_and_a_partys_members(nlp):
    text = "Forwards: S Kellow, O'Marle, Foley, J Hale (Bath), H Ellis (Leicester)."
    at = text.index("S Kellow")
    parts = ner.split_span(text, ner.Span(at, at + len("S Kellow, O'Marle"), ner.ORG, "model"), set())
    assert [text[p.start : p.end] for p in parts] == ["S Kellow", "O'Marle"]
    assert not ner.group_name("H Ellis", text, text.index("H Ellis"))  # an initial, not "Happy Mondays"
    text = "He would be warmly welcomed by Labour MPs, he said."
    at = text.index("Labour")
    parts = ner.split_span(text, ner.Span(at, at + 10, ner.PERSON, "model"), set())
    assert [(text[p.start : p.end], p.type) for p in parts] == [("Labour", ner.ORG)]
