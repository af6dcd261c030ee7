"""Across articles: reports of one event grouped (:mod:`.clustering`), briefings (:mod:`.briefing`), keyword filters (:mod:`.filters`) and follows (:mod:`.follows`)."""
