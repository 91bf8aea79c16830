-- Accounts, shared projects with their members, media by content hash, labels with revisions,
-- training configurations and sessions, and the model registry.

CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Opaque refresh tokens, stored as sha256; one family per login, rotated on each refresh.
CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  family_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE projects (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  task text NOT NULL CHECK (task IN ('detect', 'classify')),
  multi_label boolean NOT NULL DEFAULT false,
  owner_id uuid NOT NULL REFERENCES users (id),
  -- The change counter: grows by one for every image whose labels change.
  revision bigint NOT NULL DEFAULT 0,
  -- Rows in project_images, kept by the push that adds them: project lists never count.
  image_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE project_members (
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('viewer', 'annotator', 'owner')),
  PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);

-- Which media a project holds; the bytes live in the object store under media/<hash>.
CREATE TABLE project_media (
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  bytes bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, hash)
);

CREATE TABLE project_classes (
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name text NOT NULL,
  color text NOT NULL,
  sort_order integer NOT NULL,
  PRIMARY KEY (project_id, name)
);

-- One image's labels. `wire` is the image exactly as a pull answers it (ServerImage JSON, the
-- annotations in it): written once per change, read by pulls as text with no per-row JSON work.
-- The other columns are for listing, counting and analysis.
CREATE TABLE project_images (
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  name text NOT NULL,
  ext text NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  status text NOT NULL,
  annotation_count integer NOT NULL,
  revision bigint NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL,
  wire text NOT NULL,
  PRIMARY KEY (project_id, hash)
);
CREATE UNIQUE INDEX project_images_revision ON project_images (project_id, revision);

CREATE TABLE training_configs (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name text NOT NULL,
  config jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, name)
);

CREATE TABLE training_sessions (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  config_id uuid REFERENCES training_configs (id) ON DELETE SET NULL,
  config_name text NOT NULL,
  config jsonb NOT NULL,
  status text NOT NULL,
  epoch integer NOT NULL DEFAULT 0,
  epochs integer NOT NULL,
  metrics jsonb NOT NULL DEFAULT '{}',
  results jsonb,
  message text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_sessions_project ON training_sessions (project_id, created_at);

CREATE TABLE models (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name text NOT NULL,
  format text NOT NULL,
  task text NOT NULL,
  classes jsonb NOT NULL,
  metrics jsonb NOT NULL,
  source jsonb NOT NULL,
  file_hash text CHECK (file_hash ~ '^[0-9a-f]{64}$'),
  bytes bigint,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX models_project ON models (project_id, created_at);
