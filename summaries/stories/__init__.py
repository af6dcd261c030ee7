"""Across articles: reports of one event grouped (:mod:`.clustering`), briefings
(:mod:`.briefing`, ranked by topic with :mod:`.topics`), keyword filters (:mod:`.filters`)
and follows (:mod:`.follows`)."""
