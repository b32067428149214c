import type { AccessScope } from '../access/scope.js';
import type { SearchScope } from '../scope/channel-scope.js';
import type { SearchFilters } from '../search/types.js';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  system: string;
  messages: ChatTurn[];
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

/** The AnswerModel seam: Claude, an OpenAI-compatible chat, or the offline composer's own logic. */
export interface AnswerModel {
  /** e.g. "claude:claude-sonnet-4-5", "openai:gpt-4o-mini". */
  readonly id: string;
  complete(req: CompletionRequest): Promise<string>;
  /**
   * The same request, its text handed to `onText` as it is written (each delta, and the text so
   * far). Resolves with the whole text once the model says it is finished; rejects when the stream
   * fails or ends before that, so a half answer is never taken for a whole one.
   */
  stream?(req: CompletionRequest, onText: (delta: string, soFar: string) => void): Promise<string>;
  /** A warning when the provider says the configured model is deprecated or retired; undefined when it is current or cannot tell. */
  lifecycleWarning?(): Promise<string | undefined>;
}

export interface AnswerSource {
  /** The number the answer cites as [n]. */
  n: number;
  documentId: string;
  title: string;
  url: string | null;
  /** Folder path or Drive path, shown when there is no link. */
  path?: string | null;
  snippet: string;
  score: number;
  /** Where the quoted passages are: "p. 14", "pp. 3–4", "tab Steel, rows 40–44", "slide 3", "§ Heading". */
  location?: string;
  /** The date the document speaks for (its stated date, else its last modification), yyyy-mm-dd. */
  asOf?: string;
  /** The revision mark the document states ("Rev D"). */
  revision?: string;
  /** Its standing among revisions of the same document ("Rev D, 2026-10-02; an earlier Rev C also exists"). */
  revisionNote?: string;
  /** A newer revision of this document exists. */
  superseded?: boolean;
}

/** What the answerer is doing, for a live status: which sources it reads, and a model's draft as it is written. */
export type AnswerProgress =
  | { stage: 'reading'; sources: number }
  /** The model's text so far, before the figure and citation checks (the final Answer may differ). */
  | { stage: 'draft'; text: string };

export interface AnswerOptions {
  /** Told as the answer is worked on; a throwing listener is ignored (the answer goes on). */
  progress?: (p: AnswerProgress) => void;
  /** Who will read the answer: only documents every reader may open are searched, quoted or listed. */
  access: AccessScope;
  /** Earlier turns of this thread, oldest first; when omitted, loaded from `queries` by sessionId. */
  history?: ChatTurn[];
  filters?: SearchFilters;
  /** What the channel searches (relevance, not security): narrows `access`/`filters`; absent, everything they allow. */
  scope?: SearchScope;
  userId?: string;
  /** Slack thread ("channel:thread_ts") or terminal session id. */
  sessionId?: string;
}

export interface Answer {
  /** Markdown-ish text with [n] citations. */
  answer: string;
  sources: AnswerSource[];
  /** Retrieval confidence in [0, 1]. */
  confidence: number;
  /** True when the documents do not cover the question; `sources` then lists the closest documents. */
  noAnswer: boolean;
  timings: Record<string, number>;
  /** The row logged in `queries` (feedback joins on it). */
  queryId?: string;
  standaloneQuery: string;
  /** Which model wrote it, e.g. "composer" or "claude:…". */
  model: string;
  /** True when the answer says it may not fully answer the question (middling confidence). */
  hedged?: boolean;
  /** Figures of a model's answer that its cited sources do not hold (their statements were removed). */
  unverifiedFigures?: string[];
  /** What was searched, for the footer ("Searched: Harbor Point"); `inChannel` when a channel's scope decided it. */
  searched?: { label: string; inChannel: boolean };
  /** Short note, e.g. "The language model timed out; this answer was composed from the passages." */
  note?: string;
}

export interface Answerer {
  answer(question: string, opts: AnswerOptions): Promise<Answer>;
}
