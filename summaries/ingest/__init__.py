"""Getting news in: files (:mod:`.files`), the safe fetcher (:mod:`.fetch`), feeds and their
state (:mod:`.feeds`, :mod:`.source_state`), pages (:mod:`.pages`), chats' own sources
(:mod:`.chat_sources`) and OPML (:mod:`.opml`)."""
