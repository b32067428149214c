// The AnswerModel seam's networked implementations: Claude (Anthropic Messages API) and any
// OpenAI-compatible chat endpoint. Both honour the caller's AbortSignal (answer timeout) and let
// their SDK retry 429/5xx a bounded number of times. Each SDK is imported when its client is first
// used: the offline composer (and `ask` with it) never loads their ~400 modules.
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { DEFAULT_CLAUDE_MODEL } from '../../config.js';
import type { AnswerModel, CompletionRequest } from './types.js';

export class ModelResponseError extends Error {
  constructor(model: string, detail: string) {
    super(`${model} returned an unusable response: ${detail}`);
    this.name = 'ModelResponseError';
  }
}

interface ModelOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  timeoutMs: number;
  maxRetries?: number;
  maxTokens: number;
  temperature: number;
}

export class ClaudeModel implements AnswerModel {
  readonly id: string;
  private sdk?: Promise<Anthropic>;

  constructor(private readonly o: ModelOptions) {
    this.id = `claude:${o.model}`;
  }

  private client(): Promise<Anthropic> {
    const o = this.o;
    this.sdk ??= import('@anthropic-ai/sdk').then(
      ({ default: Anthropic }) =>
        new Anthropic({ apiKey: o.apiKey, baseURL: o.baseURL, timeout: o.timeoutMs, maxRetries: o.maxRetries ?? 2 }),
    );
    return this.sdk;
  }

  async complete(req: CompletionRequest): Promise<string> {
    const res = await (await this.client()).messages.create(
      {
        model: this.o.model,
        // No temperature: the Messages API in this SDK generation no longer takes one.
        max_tokens: req.maxTokens ?? this.o.maxTokens,
        system: req.system,
        messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      },
      { signal: req.signal },
    );
    const text = Array.isArray(res?.content)
      ? res.content.flatMap((b) => (b.type === 'text' && typeof b.text === 'string' ? [b.text] : [])).join('')
      : undefined;
    if (!text?.trim()) throw new ModelResponseError(this.id, 'no text content');
    return text;
  }

  /** Messages API over server-sent events (the SDK's MessageStream): text deltas as they come. */
  async stream(req: CompletionRequest, onText: (delta: string, soFar: string) => void): Promise<string> {
    const stream = (await this.client()).messages.stream(
      {
        model: this.o.model,
        max_tokens: req.maxTokens ?? this.o.maxTokens,
        system: req.system,
        messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      },
      { signal: req.signal },
    );
    stream.on('text', (delta, snapshot) => onText(delta, snapshot));
    const message = await stream.finalMessage();
    // Without message_delta the server never said it was done: what arrived is a fragment.
    if (!message.stop_reason) throw new ModelResponseError(this.id, 'the stream ended before the answer was finished');
    const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
    if (!text.trim()) throw new ModelResponseError(this.id, 'no text content');
    return text;
  }

  /**
   * The SDK only console.warn()s about a deprecated model on each request, from a table it does not
   * export; the Models API says it with authority (lifecycle, retires_at), so start asks it once.
   * Not knowing (no network, an older compatible server) is not a reason to warn or to fail.
   */
  async lifecycleWarning(): Promise<string | undefined> {
    const info = await (await this.client()).models
      .retrieve(this.o.model, undefined, { timeout: 5000, maxRetries: 0 })
      .catch(() => undefined);
    if (!info || info.lifecycle === 'active') return undefined;
    const when = info.retires_at ? ` (${info.lifecycle === 'retired' ? 'retired' : 'retires'} ${info.retires_at.slice(0, 10)})` : '';
    return `CLAUDE_MODEL ${this.o.model} is ${info.lifecycle}${when}: set CLAUDE_MODEL to a current model (the default is ${DEFAULT_CLAUDE_MODEL}).`;
  }
}

export class OpenAIChatModel implements AnswerModel {
  readonly id: string;
  private sdk?: Promise<OpenAI>;

  constructor(private readonly o: ModelOptions) {
    this.id = `openai:${o.model}`;
  }

  private client(): Promise<OpenAI> {
    const o = this.o;
    this.sdk ??= import('openai').then(
      ({ default: OpenAI }) => new OpenAI({ apiKey: o.apiKey, baseURL: o.baseURL, timeout: o.timeoutMs, maxRetries: o.maxRetries ?? 2 }),
    );
    return this.sdk;
  }

  async complete(req: CompletionRequest): Promise<string> {
    const res = await (await this.client()).chat.completions.create(
      {
        model: this.o.model,
        max_tokens: req.maxTokens ?? this.o.maxTokens,
        temperature: req.temperature ?? this.o.temperature,
        messages: [{ role: 'system', content: req.system }, ...req.messages.map((m) => ({ role: m.role, content: m.content }))],
      },
      { signal: req.signal },
    );
    const text = res?.choices?.[0]?.message?.content;
    if (typeof text !== 'string' || !text.trim()) throw new ModelResponseError(this.id, 'no message content');
    return text;
  }

  /** Chat completions with `stream: true` (chunks over server-sent events, ending in data: [DONE]). */
  async stream(req: CompletionRequest, onText: (delta: string, soFar: string) => void): Promise<string> {
    const stream = await (await this.client()).chat.completions.create(
      {
        model: this.o.model,
        max_tokens: req.maxTokens ?? this.o.maxTokens,
        temperature: req.temperature ?? this.o.temperature,
        messages: [{ role: 'system', content: req.system }, ...req.messages.map((m) => ({ role: m.role, content: m.content }))],
        stream: true,
      },
      { signal: req.signal },
    );
    let text = '';
    let finished = false;
    for await (const chunk of stream) {
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content;
      if (typeof delta === 'string' && delta) {
        text += delta;
        onText(delta, text);
      }
      if (choice?.finish_reason) finished = true;
    }
    // A stream cut short ends the loop quietly: only a finish_reason says the answer is whole.
    if (!finished) throw new ModelResponseError(this.id, 'the stream ended before the answer was finished');
    if (!text.trim()) throw new ModelResponseError(this.id, 'no message content');
    return text;
  }
}
