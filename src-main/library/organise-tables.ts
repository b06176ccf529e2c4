/**
 * Tables of the organise features (tags, collections, map cache), one step of the library's migrations
 * (schema.ts). The library owns the database file and every migration of it, so organise/ (a higher layer)
 * uses these tables but the schema code never imports upward.
 */
export const ORGANISE_MIGRATION = `
  CREATE TABLE user_vocabularies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('audio', 'image', 'all')),
    prompt_template TEXT NOT NULL,
    labels TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- Label prompts embedded once per pack: base text vector a and expert text ensemble u (NULL without expert).
  CREATE TABLE label_vectors (
    pack_id TEXT NOT NULL,
    vocab_id TEXT NOT NULL,
    label_id TEXT NOT NULL,
    prompt TEXT NOT NULL,
    a BLOB NOT NULL,
    u BLOB,
    PRIMARY KEY (pack_id, vocab_id, label_id, prompt)
  );
  -- Tags the user confirmed or removed: kept apart from suggestions and never overwritten by them.
  CREATE TABLE user_tags (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    vocab_id TEXT NOT NULL,
    label_id TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('confirmed', 'removed')),
    at INTEGER NOT NULL,
    PRIMARY KEY (item_id, vocab_id, label_id)
  );
  CREATE TABLE collections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('manual', 'smart')),
    rule TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE collection_items (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (collection_id, item_id)
  );
  CREATE TABLE map_cache (
    pack_id TEXT NOT NULL,
    factors_key TEXT NOT NULL,
    item_ids BLOB NOT NULL,
    positions BLOB NOT NULL,
    computed_at INTEGER NOT NULL,
    PRIMARY KEY (pack_id, factors_key)
  );
`;
