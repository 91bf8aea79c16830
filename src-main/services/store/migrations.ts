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

/**
 * A 64-bit difference hash of each image (16 hex digits), for finding near-duplicate images.
 * Null until computed: imports compute it, the health report fills in older images.
 */
const imageDhash = /* sql */ `
ALTER TABLE images ADD COLUMN dhash TEXT CHECK (dhash IS NULL OR (length(dhash) = 16 AND dhash NOT GLOB '*[^0-9a-f]*'));
CREATE INDEX images_dhash ON images (dhash);
`;

/**
 * Training runs. A run's files live in `runs/<id>/` (the dataset snapshot, Ultralytics' output,
 * the spec the runtime read); paths stored here are relative to the project folder, so a moved
 * project keeps its runs. JSON columns hold the contract's shapes (TrainingSpec, RunResults...).
 * `pid` is the trainer process while it runs; `owner_pid` the studio process that supervises it,
 * so that another studio opening the project can tell a live run from one a crash left behind.
 */
const trainingRuns = /* sql */ `
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'stopped', 'failed', 'interrupted')),
  spec TEXT NOT NULL,
  model TEXT NOT NULL,
  epochs INTEGER NOT NULL CHECK (epochs >= 1),
  epochs_done INTEGER NOT NULL DEFAULT 0,
  device TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  error TEXT,
  best TEXT,
  results TEXT,
  resumable INTEGER NOT NULL DEFAULT 0,
  dataset TEXT,
  pid INTEGER,
  owner_pid INTEGER,
  -- The last lines the runtime wrote to stderr, as a JSON array (the whole log is runs/<id>/train.log).
  log_tail TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX runs_created ON runs (created_at);

-- One row per epoch; a resumed run that reports an epoch again replaces it.
CREATE TABLE run_epochs (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  record TEXT NOT NULL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

CREATE TABLE run_artifacts (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
`;

/**
 * Model suggestions (auto-label), kept apart from the ground truth: nothing reads them as
 * annotations until someone accepts them. They go with their image or class. `model_id` is the
 * model file's content hash.
 */
const suggestions = /* sql */ `
CREATE TABLE suggestions (
  id TEXT PRIMARY KEY,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('box', 'tag')),
  x REAL,
  y REAL,
  w REAL,
  h REAL,
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  model_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  CHECK (kind = 'tag' OR (x IS NOT NULL AND y IS NOT NULL AND w > 0 AND h > 0))
);
CREATE INDEX suggestions_image ON suggestions (image_id, confidence);
CREATE INDEX suggestions_confidence ON suggestions (confidence);
CREATE INDEX suggestions_class ON suggestions (class_id);
`;

/**
 * Team sync (src-main/services/team): the project's link to a shared project on a team server,
 * each image's sync state, and the conflicts a push or pull found.
 *
 * `base_revision` is the server's revision of the image's labels this copy last agreed with
 * (null: the server never had them from us); `synced_digest` the digest of the labels as they
 * were then. An image is dirty when the digest of its labels now differs from it. `touched` is
 * only a cheap hint, kept by triggers on every write that could change the labels, so a push
 * digests the images that may have changed instead of all of them.
 */
const teamSync = /* sql */ `
CREATE TABLE sync_link (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  server_url TEXT NOT NULL,
  remote_project_id TEXT NOT NULL,
  remote_name TEXT,
  -- The server's change counter up to which this copy has pulled.
  pull_cursor INTEGER NOT NULL DEFAULT 0,
  last_push_at TEXT,
  last_pull_at TEXT,
  linked_at TEXT NOT NULL
);

CREATE TABLE sync_images (
  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  base_revision INTEGER,
  synced_digest TEXT,
  media_on_server INTEGER NOT NULL DEFAULT 0,
  touched INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sync_images_touched ON sync_images (image_id) WHERE touched = 1;
INSERT INTO sync_images (image_id) SELECT id FROM images;

-- The server's copy (a ServerImage as JSON) of an image both sides changed.
CREATE TABLE sync_conflicts (
  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  server TEXT NOT NULL,
  detected_at TEXT NOT NULL
);

CREATE TRIGGER sync_image_insert AFTER INSERT ON images BEGIN
  INSERT INTO sync_images (image_id) VALUES (NEW.id);
END;
CREATE TRIGGER sync_image_status AFTER UPDATE OF status ON images WHEN NEW.status IS NOT OLD.status BEGIN
  UPDATE sync_images SET touched = 1 WHERE image_id = NEW.id AND touched = 0;
END;
CREATE TRIGGER sync_annotation_insert AFTER INSERT ON annotations BEGIN
  UPDATE sync_images SET touched = 1 WHERE image_id = NEW.image_id AND touched = 0;
END;
CREATE TRIGGER sync_annotation_update AFTER UPDATE ON annotations BEGIN
  UPDATE sync_images SET touched = 1 WHERE image_id IN (OLD.image_id, NEW.image_id) AND touched = 0;
END;
CREATE TRIGGER sync_annotation_delete AFTER DELETE ON annotations BEGIN
  UPDATE sync_images SET touched = 1 WHERE image_id = OLD.image_id AND touched = 0;
END;
-- Labels name their classes: a renamed class changes every image that uses it.
CREATE TRIGGER sync_class_rename AFTER UPDATE OF name ON classes WHEN NEW.name IS NOT OLD.name BEGIN
  UPDATE sync_images SET touched = 1 WHERE touched = 0 AND image_id IN (SELECT image_id FROM annotations WHERE class_id = NEW.id);
END;
`;

/**
 * What changed, for the other processes that have the project open (a studio window while
 * `reticle import` runs in a terminal): each write leaves one row per thing it touched, and a
 * process that sees `PRAGMA data_version` move reads the rows after the last one it saw
 * (change-feed.ts). One row per (topic, ref): a newer change replaces the older row with a new
 * seq, so the table never holds more rows than the project has things.
 */
const changeLog = /* sql */ `
CREATE TABLE change_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  -- image_added, image_removed, image_edited, annotations, suggestions, classes, run, project
  topic TEXT NOT NULL,
  -- The image id or run id, '' where the topic is the whole project.
  ref TEXT NOT NULL DEFAULT '',
  UNIQUE (topic, ref)
);
CREATE TRIGGER change_image_insert AFTER INSERT ON images BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('image_added', NEW.id);
END;
CREATE TRIGGER change_image_delete AFTER DELETE ON images BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('image_removed', OLD.id);
END;
CREATE TRIGGER change_image_update AFTER UPDATE OF status, split, split_pinned, name ON images BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('image_edited', NEW.id);
END;
CREATE TRIGGER change_annotation_insert AFTER INSERT ON annotations BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('annotations', NEW.image_id);
END;
CREATE TRIGGER change_annotation_update AFTER UPDATE ON annotations BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('annotations', NEW.image_id);
END;
CREATE TRIGGER change_annotation_delete AFTER DELETE ON annotations BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('annotations', OLD.image_id);
END;
CREATE TRIGGER change_suggestion_insert AFTER INSERT ON suggestions BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('suggestions', NEW.image_id);
END;
CREATE TRIGGER change_suggestion_delete AFTER DELETE ON suggestions BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('suggestions', OLD.image_id);
END;
CREATE TRIGGER change_class_insert AFTER INSERT ON classes BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('classes', '');
END;
CREATE TRIGGER change_class_update AFTER UPDATE ON classes BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('classes', '');
END;
CREATE TRIGGER change_class_delete AFTER DELETE ON classes BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('classes', '');
END;
CREATE TRIGGER change_run_insert AFTER INSERT ON runs BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('run', NEW.id);
END;
CREATE TRIGGER change_run_update AFTER UPDATE ON runs BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('run', NEW.id);
END;
CREATE TRIGGER change_run_delete AFTER DELETE ON runs BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('run', OLD.id);
END;
CREATE TRIGGER change_project_update AFTER UPDATE ON project BEGIN
  INSERT OR REPLACE INTO change_log (topic, ref) VALUES ('project', '');
END;
`;

/**
 * Evaluations of training runs (src-main/services/evaluation): the latest per run, its figures as
 * JSON, its findings (likely label errors) ranked, and the model's predictions on the images that
 * have findings (what the labeler shows as suggestions). Ignored findings are kept by run and
 * finding id, apart, so they stay ignored when the run is evaluated again.
 */
const evaluations = /* sql */ `
CREATE TABLE evaluations (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  -- The Evaluation (src-shared/evaluation.ts) as JSON.
  body TEXT NOT NULL
);
CREATE INDEX evaluations_run ON evaluations (run_id, created_at);

CREATE TABLE evaluation_findings (
  evaluation_id TEXT NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('extra', 'missed', 'class')),
  -- Most likely first.
  rank INTEGER NOT NULL,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  PRIMARY KEY (evaluation_id, id)
);
CREATE INDEX evaluation_findings_rank ON evaluation_findings (evaluation_id, rank);
CREATE INDEX evaluation_findings_image ON evaluation_findings (image_id);

CREATE TABLE evaluation_predictions (
  evaluation_id TEXT NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  PRIMARY KEY (evaluation_id, image_id)
);
CREATE INDEX evaluation_predictions_image ON evaluation_predictions (image_id);

CREATE TABLE ignored_findings (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  finding_id TEXT NOT NULL,
  ignored_at TEXT NOT NULL,
  PRIMARY KEY (run_id, finding_id)
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { name: 'initial', sql: initial },
  { name: 'image dhash', sql: imageDhash },
  { name: 'training runs', sql: trainingRuns },
  { name: 'suggestions', sql: suggestions },
  { name: 'team sync', sql: teamSync },
  { name: 'change log', sql: changeLog },
  { name: 'evaluations', sql: evaluations },
];
