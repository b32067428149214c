// The AnswerModel seam's networked implementations: Claude (Anthropic Messages API) and any
// OpenAI-compatible chat endpoint. Both honour the caller's AbortSignal (answer timeout) and let
// their SDK retry 429/5xx a bounded number of times.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { AnswerModel, ChatTurn } from './types.js';

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
  private readonly client: Anthropic;

  constructor(private readonly o: ModelOptions) {
    this.id = `claude:${o.model}`;
    this.client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseURL, timeout: o.timeoutMs, maxRetries: o.maxRetries ?? 2 });
  }

  async complete(req: { system: string; messages: ChatTurn[]; maxTokens?: number; temperature?: number; signal?: AbortSignal }): Promise<string> {
    const res = await this.client.messages.create(
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
}

export class OpenAIChatModel implements AnswerModel {
  readonly id: string;
  private readonly client: OpenAI;

  constructor(private readonly o: ModelOptions) {
    this.id = `openai:${o.model}`;
    this.client = new OpenAI({ apiKey: o.apiKey, baseURL: o.baseURL, timeout: o.timeoutMs, maxRetries: o.maxRetries ?? 2 });
  }

  async complete(req: { system: string; messages: ChatTurn[]; maxTokens?: number; temperature?: number; signal?: AbortSignal }): Promise<string> {
    const res = await this.client.chat.completions.create(
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
}
