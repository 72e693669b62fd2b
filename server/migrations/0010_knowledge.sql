-- The knowledge base (docs/knowledge.md): bilingual articles the widget's self-service search
-- answers from, each change kept as a version; what taxpayers said of the answers (deflection);
-- and the question a taxpayer typed before asking for a person, on the session's record.
CREATE TABLE knowledge_articles (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  question_zh text NOT NULL,
  question_en text NOT NULL,
  answer_zh text NOT NULL,
  answer_en text NOT NULL,
  -- [{"url": "/…", "label": {"zh": …, "en": …}}, …]
  links jsonb NOT NULL DEFAULT '[]',
  keywords text[] NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('draft', 'published')),
  version integer NOT NULL CHECK (version >= 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL
);
CREATE INDEX knowledge_articles_topic ON knowledge_articles (topic, id DESC);
-- the search index each instance keeps reads the published ones, and notices a change by this
CREATE INDEX knowledge_articles_changed ON knowledge_articles (updated_at);

-- Every version of every article, as it was: who made it, when, how. Append-only.
CREATE TABLE knowledge_versions (
  article_id bigint NOT NULL REFERENCES knowledge_articles (id),
  version integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('created', 'edited', 'published', 'unpublished')),
  by text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL,
  content jsonb NOT NULL,
  PRIMARY KEY (article_id, version)
);
CREATE TRIGGER knowledge_versions_append_only BEFORE UPDATE OR DELETE ON knowledge_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_update();

-- "This answered my question" / "I still need a person", per article shown. No taxpayer is kept:
-- the figures are counts by topic and day.
CREATE TABLE knowledge_feedback (
  id bigserial PRIMARY KEY,
  article_id bigint NOT NULL REFERENCES knowledge_articles (id),
  topic text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('answered', 'still-need-person')),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_feedback_at ON knowledge_feedback (at);
CREATE INDEX knowledge_feedback_article ON knowledge_feedback (article_id, outcome);

-- What the taxpayer asked in their own words (HelpRequest.question); personal data: retention clears it.
ALTER TABLE sessions ADD COLUMN question text NOT NULL DEFAULT '';
