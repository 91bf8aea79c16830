-- Objects (media/<hash>, models/<hash>) are shared by content across projects. Before bytes are
-- deleted, the sweep in src-server/storage/shared-objects.ts looks for any reference to a hash,
-- whatever the project: these indexes make that look-up one index probe.
CREATE INDEX project_media_hash ON project_media (hash);
CREATE INDEX models_file_hash ON models (file_hash) WHERE file_hash IS NOT NULL;
