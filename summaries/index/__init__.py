"""The entity index (:mod:`.entity_index`, kept in memory by :mod:`.memory`) and ``/who``
answers (:mod:`.lookup`, from the reads of :mod:`summaries.store.entity_rows`)."""
