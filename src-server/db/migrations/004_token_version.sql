-- Access tokens carry the account's token version (claim `ver`). Disabling an account bumps it,
-- so tokens signed before stay dead when the account is enabled again.
ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0;
