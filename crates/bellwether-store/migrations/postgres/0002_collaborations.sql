-- Co-design collaborations: partner customers and the requirements written with them.
-- Keyed by the collaboration_id of the exports, so re-imports and `bellwether collab add` meet.

CREATE TABLE collaborations (
    collaboration_id TEXT PRIMARY KEY,
    name TEXT,
    started DATE
);

CREATE TABLE collaboration_partners (
    collaboration_id TEXT NOT NULL REFERENCES collaborations (collaboration_id),
    customer BIGINT NOT NULL REFERENCES customers (id),
    -- Order in which the partners were added, from 1.
    position BIGINT NOT NULL,
    PRIMARY KEY (collaboration_id, customer)
);

CREATE TABLE requirements (
    collaboration_id TEXT NOT NULL REFERENCES collaborations (collaboration_id),
    -- Order of the requirement within its collaboration, from 1.
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    language TEXT,
    PRIMARY KEY (collaboration_id, position)
);
