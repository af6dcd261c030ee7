"""One web page summarized on demand (``/summary URL``, ``newsbrief summary URL``): fetched
through the safe fetcher, extracted, cleaned and summarized, never stored."""

from __future__ import annotations

import logging

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.articles.model import ArticleError
from newsbrief.summaries.config import Settings
from newsbrief.summaries.ingest.fetch import UNREACHABLE, FetchOptions, fetch
from newsbrief.summaries.ingest.pages import HTML_ACCEPT, SourceError, extract_page, host_of
from newsbrief.summaries.nlp.summarizer import summarize_article
from newsbrief.summaries.stories.briefing import Story

__all__ = ["summarize_url", "SourceError", "FetchOptions"]

log = logging.getLogger(__name__)


def summarize_url(url: str, settings: Settings, *, options: FetchOptions | None = None) -> Story:
    """Fetch one web page, extract its article, clean and summarize it: a
    :class:`summaries.stories.briefing.Story` (not stored). Raises :class:`SourceError` with a
    plain one-line reason.

    The default options are a chat user's: public addresses only, plus the hosts the
    operator allows in ``[fetch] allow_private_hosts``; every refusal (a private address,
    a name that does not resolve, at any redirect hop) is told as the same
    :data:`summaries.ingest.fetch.UNREACHABLE`, whatever is or is not listening there. Pass
    ``options`` with ``allow_private=True`` for the operator's own command line.
    """
    options = options or FetchOptions.from_settings(settings)
    try:
        resp = fetch(url, options, accept=HTML_ACCEPT)
    except SourceError as exc:
        if exc.refused and not options.allow_private:
            log.info("summary of %s refused: %s", url[:300], exc)
            raise SourceError(UNREACHABLE, refused=True) from None
        raise
    if resp.not_modified:  # we sent no validators; a broken server
        raise SourceError("the server sent no page (HTTP 304)")
    page = extract_page(resp, resp.url)
    host = host_of(resp.url) or host_of(url)
    try:
        article = parse_record(
            {"title": page["title"], "text": page["text"], "url": resp.url, "published": page["date"]}, source=host
        )
    except ArticleError as exc:
        raise SourceError(str(exc)) from None
    title = "" if article.headline_derived else article.headline
    sentences = summarize_article(article.body, settings.summaries, article.language, title)
    if not sentences:
        raise SourceError("no sentence of the page could be chosen for a summary")
    return Story.from_article(article.to_record(), sentences)
