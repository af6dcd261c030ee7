"""The scheduled job (:mod:`.run`), PostgreSQL workers (:mod:`.worker`), the indexes a
process keeps (:mod:`.core`) and a page summarized on demand (:mod:`.on_demand`)."""
