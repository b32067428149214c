// The App Home tab: what the knowledge base holds and how the bot is doing.
import type { Grant } from '../../core/access/grants.js';
import type { HomeStats } from '../home-stats.js';
import { escapeMrkdwn } from './escape.js';
import type { Block } from './types.js';

export interface HomeView {
  type: 'home';
  blocks: Block[];
}

/** Slack renders `<!date^…>` in the reader's timezone; the fallback is UTC. */
function when(d: Date | null): string {
  if (!d) return 'never';
  const unix = Math.floor(d.getTime() / 1000);
  const fallback = d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${unix}^{date_short_pretty} {time}|${fallback}>`;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The channel grants, for an admin's Home tab: folder or category names only, never a document. */
function grantBlocks(grants: Grant[]): Block[] {
  const shown = grants.slice(0, 20);
  const lines = shown.map(
    (g) =>
      `• <#${g.channelId}>: ${g.kind} *${escapeMrkdwn(g.label)}* (${n(g.documents)} document(s)) — by <@${g.grantedBy}>, ${when(g.grantedAt)}`,
  );
  if (grants.length > shown.length) lines.push(`…and ${n(grants.length - shown.length)} more (\`/trajanus access list\` in a channel)`);
  return [
    { type: 'divider' },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Channel access grants*\n${lines.length ? lines.join('\n') : '_None: every channel sees what its audience may open in Drive._'}`,
      },
    },
  ];
}

export function homeView(stats: HomeStats, opts: { invocation?: string; grants?: Grant[] } = {}): HomeView {
  const cmd = escapeMrkdwn(opts.invocation ?? '/trajanus');
  const ratio =
    stats.upRatio === null ? '—' : `${Math.round(stats.upRatio * 100)}% 👍 (${n(stats.thumbsUp)} 👍 · ${n(stats.thumbsDown)} 👎)`;
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Trajanus — project knowledge base', emoji: true } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Ask with \`${cmd} &lt;question&gt;\`, mention me in a channel, or write to me in *Messages*. Answers cite the documents they come from.`,
        },
      },
      { type: 'divider' },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Documents*\n${n(stats.documents)}` },
          { type: 'mrkdwn', text: `*Chunks*\n${n(stats.chunks)}` },
          { type: 'mrkdwn', text: `*Last ingest*\n${when(stats.lastIngestAt)}` },
          { type: 'mrkdwn', text: `*Last backup*\n${when(stats.lastBackupAt)}` },
          { type: 'mrkdwn', text: `*Questions this week*\n${n(stats.questionsThisWeek)}` },
          { type: 'mrkdwn', text: `*Feedback this week*\n${ratio}` },
        ],
      },
      ...(opts.grants ? grantBlocks(opts.grants) : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Updated ${when(new Date())}` }] },
    ],
  };
}
