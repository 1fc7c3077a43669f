"""Where the log and the keys live: PostgreSQL, the event mapper, group commit, the database's
roles, the one reader that follows the log, aggregates loaded many at once, and the
ledger's keys."""
