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
import { formatLocation } from '../location.js';
import { preferLatest, revisionStandings, type RevisionStanding } from '../revisions/family.js';
import { sourcePlace, supersededNotice } from './place.js';
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

export class RagAnswerer implements Answerer {
  constructor(private readonly deps: RagDeps) {}

  async answer(question: string, opts: AnswerOptions = {}): Promise<Answer> {
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
    const result = await searcher.search(condensed.query, { filters: opts.filters, matchCount: settings.matchCount, log: false });
    lap('searchMs', t);
    const confidence = retrievalConfidence(result);
    // Revisions of one document: the latest found speaks for them, and each source says where it stands.
    const standings = await revisionStandings(db, result.documents);
    const latest = { ...result, documents: preferLatest(result.documents, standings) };

    t = performance.now();
    let answer: Omit<Answer, 'timings' | 'standaloneQuery' | 'confidence'>;
    if (!latest.documents.length || confidence < settings.minConfidence) answer = notFound(latest.documents, standings);
    else if (!model) answer = await this.composed(q, latest.documents, standings);
    else answer = await this.fromModel(q, condensed.query, latest, thread.history, standings);
    const notice = answer.noAnswer ? undefined : supersededNotice(answer.sources);
    if (notice) answer = { ...answer, answer: `${answer.answer}\n\n${notice}` };
    lap('answerMs', t);
    timings.totalMs = Math.round(performance.now() - t0);

    const full: Answer = { ...answer, confidence, standaloneQuery: condensed.query, timings };
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

  private async composed(question: string, docs: DocumentHit[], standings: Map<string, RevisionStanding>, note?: string) {
    const c = await composeAnswer(this.deps.db, question, docs, { standings });
    if (!c.sources.length) return notFound(docs, standings);
    return { answer: c.text, sources: c.sources, noAnswer: false, model: 'composer', note };
  }

  private async fromModel(question: string, standalone: string, result: SearchResult, history: ChatTurn[], standings: Map<string, RevisionStanding>) {
    const { model, settings, logger } = this.deps;
    const docs = result.documents;
    const answerSources: AnswerSource[] = docs.map((d, i) => ({
      n: i + 1, documentId: d.documentId, title: d.title, path: d.path, score: d.score,
      snippet: (d.chunks[0]?.content ?? '').replace(/\s+/g, ' ').slice(0, 300),
      ...sourcePlace(d, d.chunks.slice(0, 3), standings.get(d.documentId)),
    }));
    const promptSources: PromptSource[] = docs.map((d, i) => ({
      n: i + 1, title: d.title, passages: d.chunks.slice(0, 3).map((c) => c.content),
      locations: d.chunks.slice(0, 3).map((c) => formatLocation(c.location, c.headingPath)),
      asOf: answerSources[i].asOf, revision: answerSources[i].revision, revisionNote: answerSources[i].revisionNote,
    }));
    const asked = standalone === question ? question : `${question}\n(Search query used: ${standalone})`;
    let text: string;
    try {
      text = await model!.complete({ system: ANSWER_SYSTEM, messages: answerMessages(asked, promptSources, history), signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (e) {
      logger?.warn({ err: e, model: model!.id }, 'answer model failed; composing from the passages');
      return this.composed(question, docs, standings, `${model!.id} did not answer (${describeFailure(e)}), so this answer quotes the documents directly.`);
    }
    if (text.includes(NOT_FOUND)) return { ...notFound(docs, standings), model: model!.id };
    const cited = finalizeCitations(text, answerSources);
    if (!cited.cited) {
      logger?.warn({ model: model!.id, invalid: cited.invalid }, 'model answer cited no retrieved source; composing instead');
      return this.composed(question, docs, standings, `${model!.id} gave an answer without valid citations, so this answer quotes the documents directly.`);
    }
    return {
      answer: cited.text, sources: cited.sources, noAnswer: false, model: model!.id,
      note: cited.invalid ? `${cited.invalid} citation(s) that pointed at no source were removed.` : undefined,
    };
  }
}

function notFound(closest: DocumentHit[], standings: Map<string, RevisionStanding>) {
  const sources: AnswerSource[] = closest.slice(0, 3).map((d, i) => ({
    n: i + 1, documentId: d.documentId, title: d.title, path: d.path, score: d.score,
    snippet: (d.chunks[0]?.content ?? '').replace(/\s+/g, ' ').slice(0, 200),
    ...sourcePlace(d, d.chunks.slice(0, 1), standings.get(d.documentId)),
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
