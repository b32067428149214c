import type { types } from '@slack/bolt';

/** Block Kit blocks as the Web API accepts them (re-exported from Bolt, which re-exports @slack/types). */
export type Block = types.KnownBlock;
/** Block Kit limits this module keeps to (https://docs.slack.dev/reference/block-kit/blocks). */
export const LIMITS = {
  /** A section's text, and one context element's text. */
  sectionText: 3000,
  /** Blocks in one message. Home tabs allow 100. */
  messageBlocks: 50,
  homeBlocks: 100,
  /** Elements of a context block. */
  contextElements: 10,
} as const;
