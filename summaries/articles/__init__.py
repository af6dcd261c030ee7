"""Articles: the model (:mod:`.model`), the formats read (:mod:`.formats`) and body cleaning (:mod:`.cleaning`)."""
