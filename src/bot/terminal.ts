// The local chat: without Slack credentials, `npm start` talks on the terminal through the very
// same QuestionHandler the Slack listeners use, rendering its blocks as text. Piped input
// (`echo "question" | npm start`) is answered line by line and the process ends with the input.
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { blocksToText } from './blocks/text.js';
import type { QuestionHandler } from './handler.js';

export interface TerminalOptions {
  handler: QuestionHandler;
  input?: Readable;
  output?: Writable;
  /** Where the banner and prompt go (stderr, so piped stdout carries answers only). */
  chrome?: Writable;
  interactive?: boolean;
  /** Where the logs go meanwhile, told in the banner. */
  logFile?: string;
}

export async function runTerminalChat(opts: TerminalOptions): Promise<{ questions: number }> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const chrome = opts.chrome ?? process.stderr;
  const interactive = opts.interactive ?? Boolean((input as { isTTY?: boolean }).isTTY);
  // One conversation per terminal session, so follow-ups work as in a Slack thread.
  const sessionId = `terminal:${randomUUID()}`;
  if (interactive)
    chrome.write(
      `Trajanus terminal chat (no Slack credentials set). Ask a question about the project documents; "exit" or Ctrl-D quits.${opts.logFile ? `\nLogs: ${opts.logFile}` : ''}\n`,
    );
  const rl = createInterface({ input, terminal: false });
  let questions = 0;
  const prompt = () => interactive && chrome.write('\n› ');
  prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (!text) {
      prompt();
      continue;
    }
    if (interactive && /^(exit|quit|:q)$/i.test(text)) break;
    const result = await opts.handler.handle({ text, userId: process.env.USER ?? 'terminal', sessionId });
    questions++;
    output.write(`${interactive ? '' : `Q: ${text}\n`}${blocksToText(result.blocks)}\n${interactive ? '' : '\n'}`);
    prompt();
  }
  rl.close();
  return { questions };
}
