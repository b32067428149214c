// The answer engine: thread history → standalone query → hybrid search → confidence gate →
// model answer with verified citations (or the offline composer) → logged in `queries`.
import type { Database } from '../db/types.js';
import { toVector } from '../db/vector.js';
import type { Logger } from '../log.js';
import { narrowSearch, UNSCOPED } from '../scope/channel-scope.js';
import { insertQueryLog } from '../search/query-log.js';
import type { DocumentHit, Searcher, SearchResult } from '../search/types.js';
import { finalizeCitations } from './citations.js';
import { analyseQuestion, questionPart, type QuestionPart } from '../wording/question.js';
import { composeParts, type ComposePart } from './composer.js';
import { condenseQuestion } from './condense.js';
import { HEDGE_BELOW, HEDGE_LINE, retrievalConfidence } from './confidence.js';
import { documentDates } from './dates.js';
import { checkFigures, unverifiedLine } from './figure-check.js';
import { ANSWER_SYSTEM, NOT_FOUND, answerMessages, type PromptSource } from './prompt.js';
import { formatLocation } from '../location.js';
import { preferLatest, revisionStandings, type RevisionStanding } from '../revisions/family.js';
import { sourcePlace, supersededNotice } from './place.js';
import type { Answer, AnswerModel, AnswerOptions, AnswerProgress, AnswerSource, Answerer, ChatTurn } from './types.js';
import { coverage, passageLexemes, weighConcepts, type WeightedConcept } from './weights.js';

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

/** One part of the question with what was found for it. */
interface Retrieved extends ComposePart {
  result: SearchResult;
  confidence: number;
}

/** The one line an answer carries when the asker's identity could not be read (access fails closed). */
export const IDENTITY_UNKNOWN_NOTE =
  'I could not read who you are in Slack, so this answer uses only documents shared with everyone in the workspace.';

export class RagAnswerer implements Answerer {
  /** Running totals since start, read by /metrics (core knows nothing of Prometheus). */
  readonly totals = { unverifiedFigures: 0, answersWithUnverifiedFigures: 0 };

  constructor(private readonly deps: RagDeps) {}

  async answer(question: string, opts: AnswerOptions): Promise<Answer> {
    const q = question.trim();
    if (!q) throw new QuestionError('The question is empty: ask something about the project documents.');
    if (q.length > MAX_QUESTION_CHARS)
      throw new QuestionError(`The question is ${q.length} characters long; keep it under ${MAX_QUESTION_CHARS}.`);
    const { db, searcher, model, settings } = this.deps;
    const timings: Record<string, number> = {};
    const t0 = performance.now();
    const lap = (name: string, since: number) => (timings[name] = Math.round(performance.now() - since));

    const thread = opts.history
      ? { history: opts.history, previousQuery: undefined }
      : await loadThread(db, opts.sessionId, settings.historyTurns);
    let t = performance.now();
    const condensed = await condenseQuestion(
      q,
      thread.history,
      thread.previousQuery ?? lastUserTurn(thread.history),
      model,
      AbortSignal.timeout(settings.timeoutMs),
    );
    lap('condenseMs', t);

    t = performance.now();
    // A follow-up is searched as the condensed query, one part; a standalone question is split into its parts.
    const analysed = analyseQuestion(q);
    const parts: QuestionPart[] = condensed.query === q ? analysed.parts : [questionPart(condensed.query)];
    const retrieved: Retrieved[] = [];
    const scope = opts.scope ?? UNSCOPED;
    const narrowed = narrowSearch(opts.access, opts.filters, scope);
    // In a follow-up ("and who signs it?") the new words say what is asked; the carried ones only what about.
    const asked =
      condensed.query === q ? undefined : new Set(questionPart(q).concepts.flatMap((c) => c.alternatives.map((x) => x.toLowerCase())));
    if (!analysed.code)
      for (const p of parts) {
        const concepts = await weighConcepts(db, p.concepts, (c) =>
          asked && c.alternatives.some((x) => asked.has(x.toLowerCase())) ? 3 : 1,
        );
        // Nothing to look for ("a b", "the of and"): no search can find it by more than accident.
        if (!concepts.length) continue;
        const result = await searcher.search(p.searchText, {
          access: narrowed.access,
          filters: narrowed.filters,
          matchCount: settings.matchCount,
          log: false,
        });
        retrieved.push({
          text: p.text,
          expects: p.expects,
          wantsCurrent: p.wantsCurrent,
          wantsList: p.wantsList,
          concepts,
          docs: result.documents,
          result,
          confidence: await this.confidence(result, concepts),
        });
      }
    lap('searchMs', t);
    const confidence = retrieved.length === parts.length && retrieved.length ? Math.min(...retrieved.map((r) => r.confidence)) : 0;
    // Revisions of one document: the latest found speaks for them, and each source says where it stands.
    const standings = await revisionStandings(db, mergeDocuments(retrieved.map((r) => r.docs)));
    for (const r of retrieved) r.docs = preferLatest(r.docs, standings);
    const documents = mergeDocuments(retrieved.map((r) => r.docs));
    const degraded = retrieved.find((r) => r.result.degraded)?.result.degraded;
    const result: SearchResult =
      retrieved.length === 1
        ? retrieved[0].result
        : { ...emptyResult(), documents, degraded, queryEmbedding: retrieved[0]?.result.queryEmbedding ?? [] };

    t = performance.now();
    let answer: Omit<Answer, 'timings' | 'standaloneQuery' | 'confidence'>;
    if (analysed.code)
      answer = notFound(
        documents,
        standings,
        'That looks like code or a database query, not a question about the documents. Ask it in words, e.g. "Which RFIs are still open?"',
      );
    else if (!documents.length || confidence < settings.minConfidence) answer = notFound(documents, standings);
    else {
      const dates = await documentDates(
        db,
        documents.map((d) => d.documentId),
      );
      tell(opts.progress, { stage: 'reading', sources: documents.length }, this.deps.logger);
      answer = !model
        ? await this.composed(retrieved, documents, dates, standings, confidence)
        : await this.fromModel(q, condensed.query, retrieved, documents, dates, standings, thread.history, confidence, opts.progress);
    }
    const notice = answer.noAnswer ? undefined : supersededNotice(answer.sources);
    if (notice) answer = { ...answer, answer: `${answer.answer}\n\n${notice}` };
    lap('answerMs', t);
    if (result.degraded?.lexicalOnly) {
      const why = 'The embeddings service did not answer, so these sources come from keyword search only.';
      answer = { ...answer, note: answer.note ? `${why} ${answer.note}` : why };
    }
    timings.totalMs = Math.round(performance.now() - t0);

    const full: Answer = {
      ...answer,
      confidence,
      standaloneQuery: condensed.query,
      timings,
      searched: { label: scope.label, inChannel: !!scope.channelId },
    };
    if (opts.access.kind === 'readers' && opts.access.identityUnknown)
      full.note = [IDENTITY_UNKNOWN_NOTE, full.note].filter(Boolean).join(' ');
    full.queryId = await insertQueryLog(db, {
      kind: 'answer',
      queryText: q,
      embedding: result.queryEmbedding.length ? toVector(result.queryEmbedding) : null,
      resultsCount: full.sources.length,
      executionMs: timings.totalMs,
      userId: opts.userId,
      sessionId: opts.sessionId,
      standaloneQuery: condensed.query,
      answer: full.answer,
      sources: full.sources,
      confidence,
      noAnswer: full.noAnswer,
      timings,
      filters: narrowed.filters ?? null,
      model: full.model,
    }).catch((e) => {
      // The answer is still worth showing; feedback buttons just have nothing to attach to.
      this.deps.logger?.warn({ err: e }, 'could not log the answer');
      return undefined;
    });
    return full;
  }

  /** Confidence of one part: the retrieval confidence, with coverage counted by concept rather than by spelling. */
  private async confidence(result: SearchResult, concepts: WeightedConcept[]): Promise<number> {
    const top = result.chunks.slice(0, 5);
    const lex = await passageLexemes(
      this.deps.db,
      top.map((c) => `${c.context}\n${c.content}`),
    );
    const cov = new Map(top.map((c, i) => [c.chunkId, coverage(concepts, new Set(lex[i]))]));
    return retrievalConfidence({ chunks: top }, (c) => cov.get(c.chunkId) ?? 0);
  }

  /** `docs`: every part's documents, merged (mergeDocuments). */
  private async composed(
    parts: Retrieved[],
    docs: DocumentHit[],
    dates: Map<string, string>,
    standings: Map<string, RevisionStanding>,
    confidence: number,
    note?: string,
  ) {
    const c = await composeParts(this.deps.db, parts, dates, { standings });
    if (!c.sources.length) return notFound(docs, standings);
    // A middling match says so in one line instead of reading like a sure answer.
    const hedged = confidence < HEDGE_BELOW || Math.min(...c.coverage) < 0.5;
    return { answer: hedged ? `${HEDGE_LINE}\n${c.text}` : c.text, sources: c.sources, noAnswer: false, model: 'composer', note, hedged };
  }

  private async fromModel(
    question: string,
    standalone: string,
    parts: Retrieved[],
    docs: DocumentHit[],
    dates: Map<string, string>,
    standings: Map<string, RevisionStanding>,
    history: ChatTurn[],
    confidence: number,
    progress?: AnswerOptions['progress'],
  ) {
    const { model, settings, logger } = this.deps;
    const answerSources: AnswerSource[] = docs.map((d, i) => ({
      n: i + 1,
      documentId: d.documentId,
      title: d.title,
      path: d.path,
      score: d.score,
      snippet: (d.chunks[0]?.content ?? '').replace(/\s+/g, ' ').slice(0, 300),
      ...sourcePlace(d, d.chunks.slice(0, 3), standings.get(d.documentId), dates.get(d.documentId)),
    }));
    const promptSources: PromptSource[] = docs.map((d, i) => ({
      // Only a date the document states: a file's modification time says nothing of which source is newer.
      n: i + 1,
      title: d.title,
      date: dates.get(d.documentId) ?? d.statedDate ?? undefined,
      passages: d.chunks.slice(0, 3).map((c) => c.content),
      locations: d.chunks.slice(0, 3).map((c) => formatLocation(c.location, c.headingPath)),
      revision: answerSources[i].revision,
      revisionNote: answerSources[i].revisionNote,
    }));
    const asked = standalone === question ? question : `${question}\n(Search query used: ${standalone})`;
    let text: string;
    try {
      const req = {
        system: ANSWER_SYSTEM,
        messages: answerMessages(asked, promptSources, history, parts.length > 1 ? parts.map((p) => p.text) : []),
        signal: AbortSignal.timeout(settings.timeoutMs),
      };
      // Streamed only when someone watches the draft; the checks below run on the whole text either way.
      text =
        progress && model!.stream
          ? await model!.stream(req, (_delta, soFar) => tell(progress, { stage: 'draft', text: soFar }, logger))
          : await model!.complete(req);
    } catch (e) {
      logger?.warn({ err: e, model: model!.id }, 'answer model failed; composing from the passages');
      return this.composed(
        parts,
        docs,
        dates,
        standings,
        confidence,
        `${model!.id} did not answer (${describeFailure(e)}), so this answer quotes the documents directly.`,
      );
    }
    if (text.includes(NOT_FOUND)) return { ...notFound(docs, standings), model: model!.id };
    const original = text;
    const check = checkFigures(text, new Map(promptSources.map((s) => [s.n, s.passages.join('\n')])));
    if (check.unverified.length) {
      this.totals.unverifiedFigures += check.unverified.length;
      this.totals.answersWithUnverifiedFigures++;
      logger?.warn(
        { model: model!.id, figures: check.unverified },
        'model answer held figures its cited sources do not; those statements were removed',
      );
      text = check.text;
    }
    const flagged = check.unverified.length
      ? unverifiedLine(check.unverified, (n) => promptSources[n - 1]?.title ?? `source ${n}`)
      : undefined;
    const cited = finalizeCitations(text, answerSources);
    if (!cited.cited) {
      logger?.warn({ model: model!.id, invalid: cited.invalid }, 'model answer cited no retrieved source; composing instead');
      // Only when the model did cite real sources is a removed figure the reason nothing is left.
      const why =
        flagged && finalizeCitations(original, answerSources).cited
          ? `${model!.id}'s answer held figures its sources do not (${flagged})`
          : `${model!.id} gave an answer without valid citations`;
      return {
        ...(await this.composed(parts, docs, dates, standings, confidence, `${why}, so this answer quotes the documents directly.`)),
        unverifiedFigures: check.unverified.map((u) => u.figure),
      };
    }
    const hedged = confidence < HEDGE_BELOW;
    const body = flagged ? `${cited.text}\n\n${flagged}` : cited.text;
    return {
      answer: hedged ? `${HEDGE_LINE}\n${body}` : body,
      sources: cited.sources,
      noAnswer: false,
      model: model!.id,
      hedged,
      unverifiedFigures: check.unverified.length ? check.unverified.map((u) => u.figure) : undefined,
      note: cited.invalid ? `${cited.invalid} citation(s) that pointed at no source were removed.` : undefined,
    };
  }
}

/** A progress listener's failure is its own: the answer goes on. */
function tell(progress: AnswerOptions['progress'], p: AnswerProgress, logger?: Logger): void {
  if (!progress) return;
  try {
    progress(p);
  } catch (err) {
    logger?.warn({ err, stage: p.stage }, 'answer progress listener failed');
  }
}

/** Documents of every part, in part order, each once. */
function mergeDocuments(lists: DocumentHit[][]): DocumentHit[] {
  const seen = new Set<string>();
  const out: DocumentHit[] = [];
  // Interleave so a second part's best document is not pushed out by the first part's tail.
  for (let i = 0; lists.some((l) => i < l.length); i++)
    for (const l of lists)
      if (l[i] && !seen.has(l[i].documentId)) {
        seen.add(l[i].documentId);
        out.push(l[i]);
      }
  return out;
}

function emptyResult(): SearchResult {
  return { documents: [], chunks: [], queryEmbedding: [], timings: { embedMs: 0, searchMs: 0, groupMs: 0, totalMs: 0 } };
}

function notFound(closest: DocumentHit[], standings: Map<string, RevisionStanding>, why?: string) {
  const sources: AnswerSource[] = closest.slice(0, 3).map((d, i) => ({
    n: i + 1,
    documentId: d.documentId,
    title: d.title,
    path: d.path,
    score: d.score,
    snippet: (d.chunks[0]?.content ?? '').replace(/\s+/g, ' ').slice(0, 200),
    ...sourcePlace(d, d.chunks.slice(0, 1), standings.get(d.documentId)),
  }));
  const answer = why
    ? why
    : sources.length
      ? "I couldn't find this in the documents. The closest documents are listed below; they may not answer it."
      : "I couldn't find this in the documents: the knowledge base has nothing close to it.";
  return { answer, sources, noAnswer: true, model: 'none' };
}

function describeFailure(e: unknown): string {
  const err = e as { name?: string; status?: number; message?: string };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || /timed? ?out|abort/i.test(err?.message ?? '')) return 'timed out';
  if (err?.status === 429) return 'rate limited';
  if (typeof err?.status === 'number') return `HTTP ${err.status}`;
  if (err?.name === 'ModelResponseError')
    return /before the answer was finished/.test(err.message ?? '') ? 'its answer broke off' : 'unusable response';
  return 'error';
}

function lastUserTurn(history: ChatTurn[]): string | undefined {
  return [...history].reverse().find((t) => t.role === 'user')?.content;
}

/** A thread's earlier turns, oldest first, from `queries` (session_id = the Slack thread). */
export async function loadThread(
  db: Database,
  sessionId: string | undefined,
  turns: number,
): Promise<{ history: ChatTurn[]; previousQuery?: string }> {
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
