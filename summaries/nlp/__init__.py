"""Language work on one article: sentences (:mod:`.tokenizer`), extractive summaries
(:mod:`.summarizer`) and named entities (:mod:`.entities`)."""
