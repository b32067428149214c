import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

// One shared encoder: cl100k_base is OpenAI's embedding tokenizer and a fair proxy for others.
// Its ranks ship inside the package, so counting works offline.
let encoder: Tiktoken | undefined;
const enc = () => (encoder ??= new Tiktoken(cl100k));

export const countTokens = (text: string): number => enc().encode(text).length;
export const encodeTokens = (text: string): number[] => enc().encode(text);
export const decodeTokens = (tokens: number[]): string => enc().decode(tokens);
