"""The entity index (:mod:`.entity_index`) and ``/who`` answers (:mod:`.lookup`)."""
