/**
 * Schema migrations, applied in order; PRAGMA user_version holds how many ran. Never edit a shipped step,
 * append a new one.
 */
import { ORGANISE_MIGRATION } from './organise-tables';

export const MIGRATIONS: string[] = [
  `
  CREATE TABLE roots (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at INTEGER NOT NULL
  );
  -- One row per distinct content (sha256). Metadata belongs to the content, not the path.
  CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    modality TEXT NOT NULL CHECK (modality IN ('image', 'audio')),
    size INTEGER NOT NULL,
    format TEXT,
    mime TEXT,
    width INTEGER,
    height INTEGER,
    exif_date TEXT,
    date INTEGER NOT NULL,
    duration REAL,
    sample_rate INTEGER,
    channels INTEGER,
    added_at INTEGER NOT NULL,
    thumbnail TEXT,
    peaks BLOB
  );
  CREATE INDEX items_modality ON items(modality);
  CREATE INDEX items_date ON items(date);
  -- Every live path, pointing at its content.
  CREATE TABLE files (
    path TEXT PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    seen_at INTEGER NOT NULL
  );
  CREATE INDEX files_item ON files(item_id);
  -- Per item per pack: base, expert (NULL when no factor governs the modality), c = expert·base,
  -- and for audio the per-2-second clip vectors (n × dim, row-major) with their spans.
  CREATE TABLE vectors (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    pack_id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    base BLOB NOT NULL,
    expert BLOB,
    c REAL NOT NULL,
    factor TEXT,
    clip_spans TEXT,
    clips BLOB,
    PRIMARY KEY (item_id, pack_id)
  );
  CREATE INDEX vectors_pack ON vectors(pack_id);
  CREATE TABLE raw_vectors (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    pack_id TEXT NOT NULL,
    encoder TEXT NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (item_id, pack_id, encoder)
  );
  -- Files that could not be indexed; size/mtime let an unchanged bad file be skipped on the next run.
  CREATE TABLE failures (
    path TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    size INTEGER,
    mtime_ms REAL,
    at INTEGER NOT NULL
  );
  `,
  // v2: which pack folders filled this database (so `molecule search --db` can find the pack).
  `
  CREATE TABLE packs (
    id TEXT PRIMARY KEY,
    dir TEXT NOT NULL,
    used_at INTEGER NOT NULL
  );
  `,
  // v3: each item's first live path and its sort key (lower-case file name), kept by triggers so that
  // listing 100k items sorted by name/date/added/duration walks an index instead of sorting every row.
  `
  ALTER TABLE items ADD COLUMN path TEXT;
  ALTER TABLE items ADD COLUMN name_key TEXT;
  CREATE TRIGGER items_name_key AFTER UPDATE OF path ON items BEGIN
    UPDATE items SET name_key = CASE WHEN NEW.path IS NULL THEN NULL ELSE lower(substr(NEW.path, length(rtrim(replace(NEW.path, '\\', '/'), replace(replace(NEW.path, '\\', '/'), '/', ''))) + 1)) END WHERE id = NEW.id;
  END;
  CREATE TRIGGER files_path_ai AFTER INSERT ON files BEGIN
    UPDATE items SET path = (SELECT MIN(path) FROM files WHERE item_id = NEW.item_id) WHERE id = NEW.item_id;
  END;
  CREATE TRIGGER files_path_ad AFTER DELETE ON files BEGIN
    UPDATE items SET path = (SELECT MIN(path) FROM files WHERE item_id = OLD.item_id) WHERE id = OLD.item_id;
  END;
  CREATE TRIGGER files_path_au AFTER UPDATE OF path, item_id ON files BEGIN
    UPDATE items SET path = (SELECT MIN(path) FROM files WHERE item_id = OLD.item_id) WHERE id = OLD.item_id;
    UPDATE items SET path = (SELECT MIN(path) FROM files WHERE item_id = NEW.item_id) WHERE id = NEW.item_id;
  END;
  UPDATE items SET path = (SELECT MIN(path) FROM files WHERE files.item_id = items.id);
  DROP INDEX items_date;
  CREATE INDEX items_name ON items(name_key, id);
  CREATE INDEX items_date ON items(date, id);
  CREATE INDEX items_added ON items(added_at, id);
  CREATE INDEX items_duration ON items(duration, id);
  `,
  // v4: organise features (zero-shot tags, collections, map cache); the SQL lives with its concern.
  ORGANISE_MIGRATION,
  // v5: vectors move out of SQLite rows into segment files (library/vector-files.ts). A row names its
  // records by slot; vector_slots hands out slots (reserved before the records are written). Clip vectors
  // of an item take consecutive slots from clip_slot (clip_count of them), their spans and c = expert·base
  // as float32 blobs. Rows written before v5 keep their BLOBs until Library.open moves them (base_slot NULL).
  `
  CREATE TABLE vector_slots (
    pack_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    next INTEGER NOT NULL,
    PRIMARY KEY (pack_id, kind)
  );
  ALTER TABLE vectors ADD COLUMN base_slot INTEGER;
  ALTER TABLE vectors ADD COLUMN expert_slot INTEGER;
  ALTER TABLE vectors ADD COLUMN clip_slot INTEGER;
  ALTER TABLE vectors ADD COLUMN clip_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE vectors ADD COLUMN clip_expert_slot INTEGER;
  ALTER TABLE vectors ADD COLUMN clip_c BLOB;
  ALTER TABLE vectors ADD COLUMN clip_span_blob BLOB;
  `,
  // v6: videos. An item may be a 'video' (SQLite cannot alter a CHECK constraint: the table's stored SQL is edited
  // in place, which only widens the accepted values, the documented way for such a change; RESET reloads the
  // schema). items.video holds what the file is (JSON: codecs, frame rate, rotation, moments, film strip).
  // A video's moments are clips like a recording's: the sound moments first (with their experts), then
  // frame_count frame moments (pictures: base vectors only).
  `
  ALTER TABLE items ADD COLUMN video TEXT;
  ALTER TABLE vectors ADD COLUMN frame_count INTEGER NOT NULL DEFAULT 0;
  PRAGMA writable_schema = ON;
  UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (modality IN (''image'', ''audio''))', 'CHECK (modality IN (''image'', ''audio'', ''video''))')
    WHERE type = 'table' AND name = 'items';
  PRAGMA writable_schema = RESET;
  `,
  // v7: who is indexing this library (one row at most): a second index run — the app and the CLI, two CLI runs —
  // waits for it or refuses, naming it. A holder whose process is gone (same host) or whose heartbeat stopped is stale.
  `
  CREATE TABLE index_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    what TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    beat_at INTEGER NOT NULL
  );
  `,
  // v8: embedded metadata (docs/METADATA.md) and the full-text index over names, folders, metadata and the user's
  // tags (FTS5, rowid = item id). Triggers mark items whose text changed; library/text-index.ts rebuilds their rows.
  `
  CREATE TABLE item_meta (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    json TEXT NOT NULL,
    captured_at INTEGER,
    lat REAL,
    lon REAL,
    read_at INTEGER NOT NULL
  );
  CREATE INDEX item_meta_captured ON item_meta(captured_at);
  CREATE VIRTUAL TABLE text_index USING fts5(
    name, folder, title, desc, cat, keywords, tags, people, source, gear, other,
    tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
  );
  -- No UNIQUE constraint: an outer UPSERT's conflict policy would override OR IGNORE inside these triggers.
  CREATE TABLE text_dirty (item_id INTEGER NOT NULL);
  CREATE INDEX text_dirty_item ON text_dirty(item_id);
  CREATE TRIGGER text_dirty_files_ai AFTER INSERT ON files BEGIN INSERT INTO text_dirty SELECT NEW.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = NEW.item_id); END;
  CREATE TRIGGER text_dirty_files_ad AFTER DELETE ON files BEGIN INSERT INTO text_dirty SELECT OLD.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = OLD.item_id); END;
  CREATE TRIGGER text_dirty_files_au AFTER UPDATE OF path, item_id ON files BEGIN
    INSERT INTO text_dirty SELECT OLD.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = OLD.item_id);
    INSERT INTO text_dirty SELECT NEW.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = NEW.item_id);
  END;
  CREATE TRIGGER text_dirty_meta_ai AFTER INSERT ON item_meta BEGIN INSERT INTO text_dirty SELECT NEW.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = NEW.item_id); END;
  CREATE TRIGGER text_dirty_meta_au AFTER UPDATE ON item_meta BEGIN INSERT INTO text_dirty SELECT NEW.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = NEW.item_id); END;
  CREATE TRIGGER text_dirty_tags_ai AFTER INSERT ON user_tags BEGIN INSERT INTO text_dirty SELECT NEW.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = NEW.item_id); END;
  CREATE TRIGGER text_dirty_tags_ad AFTER DELETE ON user_tags BEGIN INSERT INTO text_dirty SELECT OLD.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = OLD.item_id); END;
  CREATE TRIGGER text_dirty_tags_au AFTER UPDATE ON user_tags BEGIN INSERT INTO text_dirty SELECT NEW.item_id WHERE NOT EXISTS (SELECT 1 FROM text_dirty WHERE item_id = NEW.item_id); END;
  CREATE TRIGGER text_index_items_ad AFTER DELETE ON items BEGIN DELETE FROM text_index WHERE rowid = OLD.id; END;
  INSERT INTO text_dirty SELECT id FROM items;
  `,
  // v9: rows still holding BLOB vectors (written before v5) found through a partial index, not a scan of every
  // vector row on each open (half a second at a million files). Empty once Library.open has moved them.
  `
  CREATE INDEX IF NOT EXISTS vectors_unslotted ON vectors(item_id) WHERE base_slot IS NULL;
  `,
];
