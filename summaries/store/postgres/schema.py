"""The PostgreSQL store's schema: numbered migrations, applied at start-up."""

from __future__ import annotations

from newsbrief.summaries.store.base import LEAD_CHARS

__all__ = [
    "MIGRATIONS",
    "PG_SCHEMA_VERSION",
    "ENTITY_LOOKUP_MIGRATION",
    "MIGRATION_STEPS",
    "ENTITY_LOCK",
    "CHOICES_TTL",
    "FUZZY_ENTITIES",
    "MIGRATION_LOCK",
]

# -- schema -------------------------------------------------------------------------

# migration 3: /brief and /who as queries. Each article's record without its body (what a
# briefing reads, ``light``), and what the entity index derives from the article documents
# of the entities table (summaries.index.lookup), kept with them by put_documents
ENTITY_LOOKUP_MIGRATION = """
    ALTER TABLE articles ADD COLUMN light jsonb;
    UPDATE articles SET light = (doc - 'body') || jsonb_build_object(
        'lead', left(coalesce(doc->>'body', ''), {lead}), 'body_cut', length(coalesce(doc->>'body', '')) > {lead});
    CREATE TABLE entity_totals (  -- one row per entity: the index's running totals for it
        entity   text PRIMARY KEY,
        name     text NOT NULL,
        token    text NOT NULL,
        articles integer NOT NULL,
        mentions integer NOT NULL,
        first    text NOT NULL,
        last     text NOT NULL,
        stories  integer NOT NULL DEFAULT 0,  -- distinct stories of its articles (rows of entity_story)
        totals   jsonb NOT NULL   -- type votes, names, surface forms, roles, sources
    );
    CREATE TABLE entity_story (  -- an entity's articles per story ('article:<id>' for one not clustered)
        entity text NOT NULL,
        story  text NOT NULL,
        n      integer NOT NULL,
        PRIMARY KEY (entity, story)
    );
    CREATE INDEX entity_totals_by_token ON entity_totals (token);
    CREATE TABLE entity_co (  -- articles two entities are mentioned together in
        entity text NOT NULL,
        other  text NOT NULL,
        n      integer NOT NULL,
        first  bigint NOT NULL,  -- order of first co-occurrence (document seq * 4096 + position)
        PRIMARY KEY (entity, other)
    );
    CREATE INDEX entity_co_top ON entity_co (entity, n DESC, first);
    CREATE TABLE entity_refs (  -- one row per (article, entity it mentions)
        article  text NOT NULL,
        entity   text NOT NULL,
        date     text NOT NULL,
        seq      bigint NOT NULL,
        src      text NOT NULL DEFAULT '',
        headline text NOT NULL DEFAULT '',
        sentence text NOT NULL DEFAULT '',
        PRIMARY KEY (article, entity)
    );
    CREATE INDEX entity_refs_latest ON entity_refs (entity, date DESC, seq DESC) INCLUDE (article);
    CREATE SEQUENCE entity_names_added;
    CREATE TABLE entity_names (  -- the folded names (kind 'n') and surnames ('s') lookups reach an entity by
        kind   text NOT NULL,
        alias  text NOT NULL,
        entity text NOT NULL,
        added  bigint NOT NULL DEFAULT nextval('entity_names_added'),
        PRIMARY KEY (kind, alias, entity)
    );
    CREATE INDEX entity_names_by_entity ON entity_names (entity);
    CREATE INDEX entity_names_by_added ON entity_names (added);
    CREATE TABLE entity_names_gone (  -- grows when a name no entity has any more left entity_names
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        n   bigint NOT NULL
    );
    INSERT INTO entity_names_gone (n) VALUES (0);
    """.replace("{lead}", str(int(LEAD_CHARS)))

MIGRATIONS: tuple[str, ...] = (
    # 1: the tables
    """
    CREATE SEQUENCE article_seq MINVALUE 0 START 0;
    CREATE TABLE articles (
        id            text PRIMARY KEY,
        seq           bigint NOT NULL,
        date          text NOT NULL,
        content_hash  text NOT NULL,
        canonical_url text UNIQUE,
        ingested_at   text,
        doc           jsonb NOT NULL
    );
    CREATE INDEX articles_by_date ON articles (date DESC, seq DESC);
    CREATE INDEX articles_by_hash ON articles (content_hash);
    CREATE INDEX articles_by_ingest ON articles (ingested_at);
    CREATE TABLE summaries (
        article_id text PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        doc        jsonb NOT NULL
    );
    CREATE TABLE stories (
        id  text PRIMARY KEY,
        day text NOT NULL DEFAULT '',
        doc jsonb NOT NULL
    );
    CREATE INDEX stories_by_day ON stories (day);
    CREATE TABLE story_members (
        article_id text PRIMARY KEY,
        story_id   text NOT NULL REFERENCES stories (id) ON DELETE CASCADE
    );
    CREATE INDEX story_members_by_story ON story_members (story_id);
    CREATE TABLE entities (
        k   text PRIMARY KEY,
        doc jsonb NOT NULL
    );
    CREATE INDEX entities_by_name ON entities (lower(doc->>'name')) WHERE doc ? 'name';
    CREATE TABLE sources (
        name text PRIMARY KEY,
        doc  jsonb NOT NULL
    );
    CREATE TABLE chats (
        chat_id bigint PRIMARY KEY,
        doc     jsonb NOT NULL
    );
    CREATE TABLE deliveries (
        chat_id  bigint NOT NULL,
        day      text NOT NULL,
        state    text NOT NULL,
        at       text NOT NULL DEFAULT '',
        articles jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY (chat_id, day)
    );
    CREATE TABLE delivery_chats (  -- fields of a chat's delivery document besides its days
        chat_id bigint PRIMARY KEY,
        extra   jsonb NOT NULL DEFAULT '{}'
    );
    CREATE TABLE work_claims (
        article_id  text PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        worker      text NOT NULL,
        claimed_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL
    );
    CREATE INDEX work_claims_by_expiry ON work_claims (expires_at);
    CREATE TABLE work_done (  -- one row per article summarized by a worker, and whether its entities are indexed
        id         bigserial PRIMARY KEY,
        article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        worker     text NOT NULL,
        at         timestamptz NOT NULL DEFAULT now(),
        indexed    boolean NOT NULL DEFAULT false
    );
    CREATE INDEX work_done_to_index ON work_done (id) WHERE NOT indexed;
    CREATE TABLE workers (
        id        text PRIMARY KEY,
        host      text NOT NULL,
        pid       integer NOT NULL,
        started   timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now(),
        processed bigint NOT NULL DEFAULT 0
    );
    CREATE TABLE job_runs (
        id       bigserial PRIMARY KEY,
        job      text NOT NULL,
        worker   text NOT NULL,
        started  timestamptz NOT NULL,
        finished timestamptz,
        ok       boolean,
        detail   text NOT NULL DEFAULT ''
    );
    CREATE INDEX job_runs_by_job ON job_runs (job, started DESC);
    CREATE TABLE schedule (
        job      text PRIMARY KEY,
        last_run timestamptz NOT NULL
    );
    -- changes to the derived tables (entities, stories) by any process: the other
    -- processes' in-memory indexes reload when it moves
    CREATE TABLE data_version (
        one    boolean PRIMARY KEY DEFAULT true CHECK (one),
        n      bigint NOT NULL,
        writer text NOT NULL DEFAULT ''
    );
    INSERT INTO data_version (n) VALUES (0);
    CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE data_version SET n = n + 1, writer = coalesce(current_setting('newsbrief.writer', true), '');
        RETURN NULL;
    END $$;
    CREATE TRIGGER entities_changed AFTER INSERT OR UPDATE OR DELETE ON entities
        FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
    CREATE TRIGGER stories_changed AFTER INSERT OR UPDATE OR DELETE ON stories
        FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
    """,
    # 2: what chats choose (their own sources, their alerts)
    """
    CREATE TABLE chat_sources (
        name text PRIMARY KEY,
        doc  jsonb NOT NULL
    );
    CREATE TABLE alerts (
        chat_id bigint PRIMARY KEY,
        doc     jsonb NOT NULL
    );
    """,
    # 3: each worker extracts the entities of its own batch (merged into the index later,
    # under the index lock, without running the model there); a digest claimed by a bot
    # process holds its (chat, day) until a lease runs out
    """
    ALTER TABLE work_done ADD COLUMN entities jsonb;
    ALTER TABLE workers ADD COLUMN writer text;  -- its store's data_version.writer id
    ALTER TABLE deliveries ADD COLUMN holder text, ADD COLUMN until timestamptz;
    """,
    # 4: /who as queries (summaries.index.lookup): what the entity index derives from the
    # entities table's article documents, kept with them in put_documents
    ENTITY_LOOKUP_MIGRATION,
)
PG_SCHEMA_VERSION = len(MIGRATIONS)
# Python steps run in the transaction of a migration, after its SQL (keyed by the SQL, so
# that renumbering the migrations keeps them with theirs)
MIGRATION_STEPS = {ENTITY_LOOKUP_MIGRATION: "_rebuild_entity_lookup"}
ENTITY_LOCK = 0x6E657775  # advisory transaction lock while the derived entity tables change
CHOICES_TTL = 1.0  # seconds between checks for new lookup names
# entities whose names fuzzy /who lookups search ("did you mean"), those with most articles:
# at 1,000,000 stored articles about 33,000 names, 1-3 ms a scan, a few MB in the bot process
FUZZY_ENTITIES = 20_000
MIGRATION_LOCK = 0x6E657773  # advisory lock key while migrating ("news")
