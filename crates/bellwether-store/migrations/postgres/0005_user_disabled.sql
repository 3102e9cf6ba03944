-- Disabling a user (offboarding) instead of deleting them: their audit entries keep their
-- author. A disabled user cannot sign in, and their sessions and API tokens are deleted.

ALTER TABLE users ADD COLUMN disabled_at TEXT;
