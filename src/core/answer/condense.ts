// A follow-up ("what about the east wing?") is searched as a standalone query built from the
// thread. With a language model it is rewritten by the model; offline (or when the model fails)
// the previous turn's query is carried along, which works well with an OR-ranked lexical leg.
import type { AnswerModel, ChatTurn } from './types.js';
import { CONDENSE_SYSTEM, condenseMessages } from './prompt.js';

const FOLLOW_UP =
  /^(and|also|what about|how about|same|then|so|but|or|ok|okay|what if|and if|is that|are they|does it|do they)\b|\b(it|its|that|this|those|these|they|them|there|same|one|ones)\b/i;

/** True when the message leans on the conversation rather than standing alone. */
export function looksLikeFollowUp(question: string): boolean {
  // Length alone is no signal: "retainage %" is a complete query. Only words that point back are.
  return FOLLOW_UP.test(question.trim());
}

export function heuristicStandalone(question: string, previousQuery: string | undefined): string {
  if (!previousQuery || !looksLikeFollowUp(question)) return question;
  const carried = previousQuery.split(/\s+/).slice(-24).join(' ');
  return `${question} (${carried})`;
}

export async function condenseQuestion(
  question: string,
  history: ChatTurn[],
  previousQuery: string | undefined,
  model: AnswerModel | undefined,
  signal?: AbortSignal,
): Promise<{ query: string; by: 'none' | 'heuristic' | 'model' }> {
  if (!history.length) return { query: question, by: 'none' };
  if (model) {
    try {
      const q = (
        await model.complete({
          system: CONDENSE_SYSTEM,
          messages: condenseMessages(history, question),
          maxTokens: 100,
          temperature: 0,
          signal,
        })
      )
        .trim()
        .replace(/^["']|["']$/g, '');
      if (q && q.length < 500) return { query: q, by: 'model' };
    } catch {
      /* the heuristic below is good enough for retrieval */
    }
  }
  const query = heuristicStandalone(question, previousQuery);
  return { query, by: query === question ? 'none' : 'heuristic' };
}
