"""Event-level joins (#22): the happening a headline reports is its main clause's, and a
topic story gives up a tight group whose outlets also report its rest. Every text here is
made up for the test."""

from __future__ import annotations

from test_stories_events import grouped

from newsbrief.summaries.stories.signals import split_clause


def test_a_headline_has_a_main_clause_and_a_subordinate_turn():
    assert split_clause("Nimbus Live down as Skyreach launches") == ("Nimbus Live down", "Skyreach launches")
    assert split_clause("UPDATE 2-Harbour PM ousted after tanker escapes") == ("Harbour PM ousted", "tanker escapes")
    assert split_clause("Navy fires on tanker; PM sacked")[0] == "Navy fires on tanker"
    assert split_clause("After the vote, PM goes") == ("After the vote, PM goes", "")
    assert split_clause("Harbour bank fined - traders") == ("Harbour bank fined", "traders")
    assert split_clause("Game News - Why Skyreach runs at 792p") == ("Why Skyreach runs at 792p", "Game News")
    # another language's headline: its "as" is no English "as"; the dash still turns
    assert split_clause("Governo anuncia datas para as eleições", words=False)[1] == ""
    assert split_clause("Mueren tres personas en Carrow - Diario Sur", words=False)[1] == "Diario Sur"


def test_a_report_joins_the_happening_its_main_clause_names():
    launch = [
        ("Skyreach launches worldwide on the Orbis console", "Game Desk", 8.0),
        ("Skyreach launch: the shooter is out today on Orbis", "Play Wire", 8.2),
        ("Skyreach finally launches for Orbis owners", "Pixel Post", 8.4),
    ]
    outage = [
        ("Nimbus Live outage locks out Orbis players", "Byte Daily", 8.1),
        ("Nimbus Live suffers outage, Orbis sign-in fails", "Tech Ledger", 8.3),
        ("Orbis players hit by Nimbus Live outage", "Net Herald", 8.5),
    ]
    bridges = [
        ("Nimbus Live down as Skyreach launches", "Console Week", 8.6),
        ("Nimbus Live goes down as Skyreach launches on Orbis", "Gamer Times", 8.7),
    ]
    stories = grouped(launch + outage + bridges)
    assert len(set(stories[:3])) == 1 and len(set(stories[3:6])) == 1 and stories[0] != stories[3]
    assert stories[6] == stories[3] and stories[7] == stories[3]


def test_a_topic_story_gives_up_a_tight_group_its_own_outlets_report():
    # many outlets cover a game's launch, each in its own words (a loose story); the same
    # outlets then report, in like words, that it runs at a lower resolution: another happening
    launch = [
        "Skyreach is out now on Orbis",
        "Reviewers praise Skyreach mech combat",
        "Skyreach: everything to know before playing tonight",
        "Why Skyreach matters for the Orbis console",
        "Skyreach arrives with big hopes from its studio",
        "Stores open at midnight for Skyreach fans",
        "Skyreach multiplayer first impressions",
        "Skyreach debut draws long queues",
    ]
    resolution = [
        "Skyreach runs at 792p on Orbis, patch to 1080p likely",
        "Skyreach ships at 792p resolution on Orbis",
        "Skyreach on Orbis renders at 792p, 1080p patch planned",
        "Skyreach is 792p on Orbis for now",
    ]
    outlets = [
        "Game Desk",
        "Play Wire",
        "Pixel Post",
        "Byte Daily",
        "Tech Ledger",
        "Net Herald",
        "Gamer Times",
        "Console Week",
    ]
    items = [(title, outlets[i], 8.0 + i * 0.1) for i, title in enumerate(launch)]
    items += [(title, outlets[i], 9.0 + i * 0.1) for i, title in enumerate(resolution)]
    stories = grouped(items)
    assert len(set(stories[8:])) == 1
    assert stories[8] not in set(stories[:8])
