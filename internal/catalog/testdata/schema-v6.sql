CREATE TABLE websub_topics (
	topic TEXT PRIMARY KEY,
	hash  BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE websub_jobs (
	kind     TEXT NOT NULL,
	target   TEXT NOT NULL,
	topic    TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	next_at  INTEGER NOT NULL,
	version  INTEGER NOT NULL,
	PRIMARY KEY (kind, target, topic)
) WITHOUT ROWID;
CREATE INDEX websub_jobs_next ON websub_jobs(next_at, version);
CREATE TABLE websub_subscriptions (
	topic    TEXT NOT NULL,
	callback TEXT NOT NULL,
	secret   TEXT NOT NULL,
	expires  INTEGER NOT NULL,
	PRIMARY KEY (topic, callback)
) WITHOUT ROWID;
CREATE INDEX websub_subscriptions_expires ON websub_subscriptions(expires);
CREATE TABLE websub_counter (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO websub_counter(id, n) VALUES (1, 0);
