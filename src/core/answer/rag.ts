// The answer engine: thread history → standalone query → hybrid search → confidence gate →
// model answer with verified citations (or the offline composer) → logged in `queries`.
import type { Database } from '../db/types.js';
import { toVector } from '../db/vector.js';
import type { Logger } from '../log.js';
import { insertQueryLog } from '../search/query-log.js';
import type { DocumentHit, Searcher, SearchResult } from '../search/types.js';
import { finalizeCitations } from './citations.js';
import { composeAnswer } from './composer.js';
import { condenseQuestion } from './condense.js';
import { retrievalConfidence } from './confidence.js';
import { ANSWER_SYSTEM, NOT_FOUND, answerMessages, type PromptSource } from './prompt.js';
import type { Answer, AnswerModel, AnswerOptions, AnswerSource, Answerer, ChatTurn } from './types.js';

export interface RagSettings {
  minConfidence: number;
  matchCount: number;
  timeoutMs: number;
  /** Earlier turns of a thread given to the model and the condenser. */
  historyTurns: number;
}

export interface RagDeps {
  db: Database;
  searcher: Searcher;
  /** Undefined: the offline composer answers. */
  model?: AnswerModel;
  settings: RagSettings;
  logger?: Logger;
}

export const MAX_QUESTION_CHARS = 4000;

export class QuestionError extends Error {}

/** The one line an answer carries when the asker's identity could not be read (access fails closed). */
export const IDENTITY_UNKNOWN_NOTE = 'I could not read who you are in Slack, so this answer uses only documents shared with everyone in the workspace.';

export class RagAnswerer implements Answerer {
  constructor(private readonly deps: RagDeps) {}

  async answer(question: string, opts: AnswerOptions): Promise<Answer> {
    const q = question.trim();
    if (!q) throw new QuestionError('The question is empty: ask something about the project documents.');
    if (q.length > MAX_QUESTION_CHARS) throw new QuestionError(`The question is ${q.length} characters long; keep it under ${MAX_QUESTION_CHARS}.`);
    const { db, searcher, model, settings } = this.deps;
    const timings: Record<string, number> = {};
    const t0 = performance.now();
    const lap = (name: string, since: number) => (timings[name] = Math.round(performance.now() - since));

    const thread = opts.history ? { history: opts.history, previousQuery: undefined } : await loadThread(db, opts.sessionId, settings.historyTurns);
    let t = performance.now();
    const condensed = await condenseQuestion(q, thread.history, thread.previousQuery ?? lastUserTurn(thread.history), model, AbortSignal.timeout(settings.timeoutMs));
    lap('condenseMs', t);

    t = performance.now();
    const result = await searcher.search(condensed.query, { access: opts.access, filters: opts.filters, matchCount: settings.matchCount, log: false });
    lap('searchMs', t);
    const confidence = retrievalConfidence(result);

    t = performance.now();
    let answer: Omit<Answer, 'timings' | 'standaloneQuery' | 'confidence'>;
    if (!result.documents.length || confidence < settings.minConfidence) answer = notFound(result.documents);
    else if (!model) answer = await this.composed(q, result.documents);
    else answer = await this.fromModel(q, condensed.query, result, thread.history);
    lap('answerMs', t);
    if (result.degraded?.lexicalOnly) {
      const why = 'The embeddings service did not answer, so these sources come from keyword search only.';
      answer = { ...answer, note: answer.note ? `${why} ${answer.note}` : why };
    }
    timings.totalMs = Math.round(performance.now() - t0);

    const full: Answer = { ...answer, confidence, standaloneQuery: condensed.query, timings };
    if (opts.access.kind === 'readers' && opts.access.identityUnknown) full.note = [IDENTITY_UNKNOWN_NOTE, full.note].filter(Boolean).join(' ');
    full.queryId = await insertQueryLog(db, {
      kind: 'answer', queryText: q, embedding: result.queryEmbedding.length ? toVector(result.queryEmbedding) : null,
      resultsCount: full.sources.length, executionMs: timings.totalMs, userId: opts.userId, sessionId: opts.sessionId,
      standaloneQuery: condensed.query, answer: full.answer, sources: full.sources, confidence, noAnswer: full.noAnswer,
      timings, filters: opts.filters ?? null, model: full.model,
    }).catch((e) => {
      // The answer is still worth showing; feedback buttons just have nothing to attach to.
      this.deps.logger?.warn({ err: e }, 'could not log the answer');
      return undefined;
    });
    return full;
  }

  private async composed(question: string, docs: DocumentHit[], note?: string) {
    const c = await composeAnswer(this.deps.db, question, docs);
    if (!c.sources.length) return notFound(docs);
    return { answer: c.text, sources: c.sources, noAnswer: false, model: 'composer', note };
  }

  private async fromModel(question: string, standalone: string, result: SearchResult, history: ChatTurn[]) {
    const { model, settings, logger } = this.deps;
    const docs = result.documents;
    const promptSources: PromptSource[] = docs.map((d, i) => ({ n: i + 1, title: d.title, passages: d.chunks.slice(0, 3).map((c) => c.content) }));
    const answerSources: AnswerSource[] = docs.map((d, i) => ({
      n: i + 1, documentId: d.documentId, title: d.title, url: d.url, path: d.path, score: d.score,
      snippet: (d.chunks[0]?.content ?? '').replace(/\s+/g, ' ').slice(0, 300),
    }));
    const asked = standalone === question ? question : `${question}\n(Search query used: ${standalone})`;
    let text: string;
    try {
      text = await model!.complete({ system: ANSWER_SYSTEM, messages: answerMessages(asked, promptSources, history), signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (e) {
      logger?.warn({ err: e, model: model!.id }, 'answer model failed; composing from the passages');
      return this.composed(question, docs, `${model!.id} did not answer (${describeFailure(e)}), so this answer quotes the documents directly.`);
    }
    if (text.includes(NOT_FOUND)) return { ...notFound(docs), model: model!.id };
    const cited = finalizeCitations(text, answerSources);
    if (!cited.cited) {
      logger?.warn({ model: model!.id, invalid: cited.invalid }, 'model answer cited no retrieved source; composing instead');
      return this.composed(question, docs, `${model!.id} gave an answer without valid citations, so this answer quotes the documents directly.`);
    }
    return {
      answer: cited.text, sources: cited.sources, noAnswer: false, model: model!.id,
      note: cited.invalid ? `${cited.invalid} citation(s) that pointed at no source were removed.` : undefined,
    };
  }
}

function notFound(closest: DocumentHit[]) {
  const sources: AnswerSource[] = closest.slice(0, 3).map((d, i) => ({
    n: i + 1, documentId: d.documentId, title: d.title, url: d.url, path: d.path, score: d.score,
    snippet: (d.chunks[0]?.content ?? '').replace(/\s+/g, ' ').slice(0, 200),
  }));
  const answer = sources.length
    ? "I couldn't find this in the documents. The closest documents are listed below; they may not answer it."
    : "I couldn't find this in the documents: the knowledge base has nothing close to it.";
  return { answer, sources, noAnswer: true, model: 'none' };
}

function describeFailure(e: unknown): string {
  const err = e as { name?: string; status?: number; message?: string };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || /timed? ?out|abort/i.test(err?.message ?? '')) return 'timed out';
  if (err?.status === 429) return 'rate limited';
  if (typeof err?.status === 'number') return `HTTP ${err.status}`;
  return err?.name === 'ModelResponseError' ? 'unusable response' : 'error';
}

function lastUserTurn(history: ChatTurn[]): string | undefined {
  return [...history].reverse().find((t) => t.role === 'user')?.content;
}

/** A thread's earlier turns, oldest first, from `queries` (session_id = the Slack thread). */
export async function loadThread(db: Database, sessionId: string | undefined, turns: number): Promise<{ history: ChatTurn[]; previousQuery?: string }> {
  if (!sessionId) return { history: [] };
  const r = await db.query<{ query_text: string; answer: string | null; standalone_query: string | null }>(
    `SELECT query_text, answer, standalone_query FROM queries WHERE session_id = $1 AND kind = 'answer' ORDER BY created_at DESC LIMIT $2`,
    [sessionId, turns],
  );
  const rows = r.rows.reverse();
  const history = rows.flatMap((x): ChatTurn[] => [
    { role: 'user', content: x.query_text },
    ...(x.answer ? [{ role: 'assistant' as const, content: x.answer }] : []),
  ]);
  return { history, previousQuery: rows.at(-1)?.standalone_query ?? rows.at(-1)?.query_text };
}
