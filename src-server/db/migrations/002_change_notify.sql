-- Servers sharing one PostgreSQL keep answers of read queries in memory (src-server/db/read-cache.ts)
-- and must hear each other's writes to drop them. Every statement that changes a table those
-- answers come from notifies the channel `reticle_change`, once per statement (PostgreSQL folds
-- equal notifications of one transaction into one, sent at commit). refresh_tokens is left out:
-- no cached answer reads it, and logins would empty every cache for nothing.
CREATE FUNCTION reticle_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('reticle_change', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'projects', 'project_members', 'project_media', 'project_classes', 'project_images',
                           'training_configs', 'training_sessions', 'models'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION reticle_notify_change()',
                   t || '_change', t);
  END LOOP;
END
$$;
