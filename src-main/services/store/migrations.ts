/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Never edit a migration that has shipped: add the next one.
 */
export interface Migration {
  name: string;
  sql: string;
}

const initial = /* sql */ `
CREATE TABLE project (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  task TEXT NOT NULL CHECK (task IN ('detect', 'classify')),
  multi_label INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

-- Project-level settings as JSON values (split ratios and seed, labeler preferences).
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE classes (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  color TEXT NOT NULL,
  ord INTEGER NOT NULL
);

CREATE TABLE images (
  -- AUTOINCREMENT: an id is never reused, so media URLs by id can be cached forever.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL UNIQUE,
  ext TEXT NOT NULL,
  format TEXT NOT NULL,
  name TEXT NOT NULL,
  original_path TEXT NOT NULL,
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  bytes INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'done', 'review')),
  split TEXT CHECK (split IN ('train', 'val', 'test')),
  split_pinned INTEGER NOT NULL DEFAULT 0,
  -- Kept by triggers so the grid's labeled/unlabeled filters need no join at 100k images.
  annotation_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX images_status ON images (status);
CREATE INDEX images_annotation_count ON images (annotation_count);

CREATE TABLE annotations (
  id TEXT PRIMARY KEY,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('box', 'tag')),
  x REAL,
  y REAL,
  w REAL,
  h REAL,
  source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import', 'model')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK (kind = 'tag' OR (x IS NOT NULL AND y IS NOT NULL AND w > 0 AND h > 0))
);
CREATE INDEX annotations_image ON annotations (image_id);
CREATE INDEX annotations_class_image ON annotations (class_id, image_id);
CREATE UNIQUE INDEX annotations_one_tag_per_class ON annotations (image_id, class_id) WHERE kind = 'tag';

CREATE TRIGGER annotations_count_insert AFTER INSERT ON annotations BEGIN
  UPDATE images SET annotation_count = annotation_count + 1 WHERE id = NEW.image_id;
END;
CREATE TRIGGER annotations_count_delete AFTER DELETE ON annotations BEGIN
  UPDATE images SET annotation_count = annotation_count - 1 WHERE id = OLD.image_id;
END;
CREATE TRIGGER annotations_count_move AFTER UPDATE OF image_id ON annotations WHEN NEW.image_id <> OLD.image_id BEGIN
  UPDATE images SET annotation_count = annotation_count - 1 WHERE id = OLD.image_id;
  UPDATE images SET annotation_count = annotation_count + 1 WHERE id = NEW.image_id;
END;
`;

export const MIGRATIONS: readonly Migration[] = [{ name: 'initial', sql: initial }];
