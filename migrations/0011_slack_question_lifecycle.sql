-- Questions change after they are answered: an edited Slack question is answered again in place,
-- a deleted one has its answer withdrawn. `slack_answers` says which Slack message asked and which
-- carries the answer, per `queries` row; an edit gets its own `queries` row linked to the first
-- (`edit_of`), so the first row keeps its feedback. `slack_assistant_threads` marks the threads
-- Slack opened in the assistant panel (other DM threads are ordinary follow-ups).
ALTER TABLE queries ADD COLUMN edit_of uuid REFERENCES queries (id) ON DELETE SET NULL;
ALTER TABLE queries ADD COLUMN question_deleted_at timestamptz;

CREATE TABLE slack_answers (
  query_id    uuid PRIMARY KEY REFERENCES queries (id) ON DELETE CASCADE,
  channel     text NOT NULL,
  question_ts text NOT NULL,
  answer_ts   text,
  thread_ts   text,
  user_id     text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_slack_answers_question ON slack_answers (channel, question_ts, created_at DESC);
CREATE INDEX idx_slack_answers_thread ON slack_answers (channel, thread_ts);

CREATE TABLE slack_assistant_threads (
  channel    text NOT NULL,
  thread_ts  text NOT NULL,
  titled     boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, thread_ts)
);
