import { describe, expect, it } from 'vitest';
import { answerBlocks, markdownToMrkdwn, splitMrkdwn } from '../../src/bot/blocks/answer.js';
import { escapeMrkdwn, link } from '../../src/bot/blocks/escape.js';
import { homeView } from '../../src/bot/blocks/home.js';
import { blocksToMrkdwn, blocksToText, slackInputToPlain } from '../../src/bot/blocks/text.js';
import type { Answer } from '../../src/core/answer/types.js';

const answer = (over: Partial<Answer> = {}): Answer => ({
  answer: 'A permit lasts **one shift** [1].',
  sources: [
    {
      n: 1,
      documentId: 'd1',
      title: 'Hot work permits',
      url: 'https://drive.example/doc?a=1&b=2',
      snippet: 'valid for one shift',
      score: 0.9,
    },
  ],
  confidence: 0.8,
  noAnswer: false,
  timings: {},
  queryId: '00000000-0000-4000-8000-000000000001',
  standaloneQuery: 'q',
  model: 'composer',
  ...over,
});

describe('escape', () => {
  it('escapes &, <, > only, so mentions and specials cannot ping', () => {
    expect(escapeMrkdwn('<!channel> <!here> <@U123> <#C1> a & b > c')).toBe(
      '&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C1&gt; a &amp; b &gt; c',
    );
  });
  it('builds links after escaping; rejects non-http URLs and pipes in labels', () => {
    expect(link('https://x.test/a?b=1&c=2', 'A <b> | c')).toBe('<https://x.test/a?b=1&amp;c=2|A &lt;b&gt; ¦ c>');
    expect(link('<!channel>', 'doc')).toBe('doc');
    expect(link('javascript:alert(1)', 'doc')).toBe('doc');
    expect(link('file:///srv/kb/a.md', 'doc')).toBe('doc');
  });
});

describe('markdownToMrkdwn', () => {
  it('converts bold, italics, headings, bullets, links and keeps code', () => {
    const md =
      '# Summary\n\n**Bold** and *italic* and ~~gone~~.\n- item <!here>\n* other\n\nSee [the plan](https://x.test/p).\n\n```\na < b && c\n```\nInline `x<y>`.';
    expect(markdownToMrkdwn(md)).toBe(
      '*Summary*\n\n*Bold* and _italic_ and ~gone~.\n• item &lt;!here&gt;\n• other\n\nSee <https://x.test/p|the plan>.\n\n```\na &lt; b &amp;&amp; c\n```\nInline `x&lt;y&gt;`.',
    );
  });
});

describe('answerBlocks', () => {
  it('renders answer, numbered sources, note and feedback buttons carrying the query id', () => {
    const { blocks, text } = answerBlocks(answer({ note: 'The model timed out <!channel>' }));
    const json = JSON.stringify(blocks);
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'A permit lasts *one shift* [1].' } });
    expect(json).toContain('[1] <https://drive.example/doc?a=1&amp;b=2|Hot work permits>');
    expect(json).toContain('The model timed out &lt;!channel&gt;');
    const actions = blocks.find((b) => b.type === 'actions') as any;
    expect(actions.elements.map((e: any) => [e.action_id, e.value])).toEqual([
      ['feedback_up', '00000000-0000-4000-8000-000000000001'],
      ['feedback_down', '00000000-0000-4000-8000-000000000001'],
    ]);
    expect(text).toContain('one shift');
  });

  it('shows the file path when a source has no usable link', () => {
    const json = JSON.stringify(
      answerBlocks(
        answer({
          sources: [
            { n: 1, documentId: 'd', title: 'Plan', url: 'file:///kb/safety/plan.md', path: 'safety/plan.md', snippet: '', score: 1 },
          ],
        }),
      ).blocks,
    );
    expect(json).toContain('[1] Plan — `safety/plan.md`');
    expect(json).not.toContain('file://');
  });

  it('has a "not found in the documents" variant listing the closest documents', () => {
    const { blocks } = answerBlocks(
      answer({
        noAnswer: true,
        answer: "I couldn't find this in the documents.",
        sources: [{ n: 1, documentId: 'd', title: 'RFI log', url: null, path: 'logs/rfi.csv', snippet: 'RFI 12 <!here> open', score: 0.2 }],
      }),
    );
    const json = JSON.stringify(blocks);
    expect(json).toContain('Not found in the documents');
    expect(json).toContain('Closest documents');
    expect(json).toContain('RFI log — `logs/rfi.csv` — RFI 12 &lt;!here&gt; open');
    expect(json).toContain('feedback_up');
  });

  it('keeps every section under 3000 characters and the message within 50 blocks', () => {
    const para = 'The contractor shall provide temporary protection of all finished work. '.repeat(20);
    const huge = Array.from({ length: 300 }, (_, i) => `Paragraph ${i}: ${para}`).join('\n\n');
    const { blocks } = answerBlocks(answer({ answer: huge }));
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks as any[]) if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(blocks.at(-2))).toContain('Sources');
    expect(blocks.at(-1)!.type).toBe('actions');
    expect(JSON.stringify(blocks)).toContain('answer shortened');
  });

  it('splits without breaking links, entities or code fences', () => {
    const text = `${'word '.repeat(500)}<https://x.test/${'a'.repeat(50)}|link> &amp; \`\`\`\n${'code line\n'.repeat(300)}\`\`\``;
    const parts = splitMrkdwn(text, 1000);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(1000);
      expect((p.match(/```/g) ?? []).length % 2).toBe(0);
      expect(p).not.toMatch(/<[^>]*$/);
      expect(p).not.toMatch(/&[a-z]*$/);
    }
    expect(parts.join(' ')).toContain('<https://x.test/');
  });
});

describe('blocksToText', () => {
  it('renders answer blocks as plain text for the terminal', () => {
    const text = blocksToText(answerBlocks(answer({ answer: 'Use <!channel> & **care** [1].', note: 'n' })).blocks);
    expect(text).toBe('Use <!channel> & care [1].\n\nSources\n[1] Hot work permits (https://drive.example/doc?a=1&b=2)\n\nℹ n');
    expect(
      blocksToText([
        { type: 'section', text: { type: 'mrkdwn', text: 'From _Hot work_: see `a_b_c.md` and *x* but 2*3*4 and snake_case_name' } },
      ]),
    ).toBe('From Hot work: see `a_b_c.md` and x but 2*3*4 and snake_case_name');
    expect(blocksToText(answerBlocks(answer()).blocks, { includeActions: true })).toContain('[👍 Helpful] [👎 Not helpful]');
  });
  it('renders the home view with date fallbacks', () => {
    const text = blocksToText(
      homeView({
        documents: 3,
        chunks: 9,
        lastIngestAt: new Date('2025-01-02T03:04:00Z'),
        lastBackupAt: null,
        questionsThisWeek: 4,
        thumbsUp: 3,
        thumbsDown: 1,
        upRatio: 0.75,
      }).blocks,
    );
    expect(text).toContain('Documents\n3');
    expect(text).toContain('Last ingest\n2025-01-02 03:04 UTC');
    expect(text).toContain('Last backup\nnever');
    expect(text).toContain('75% 👍 (3 👍 · 1 👎)');
  });
});

describe('issue 15: links, entities and Markdown a model produces', () => {
  it('defect 5: a link whose label reads as an address shows the real URL, never the label', () => {
    expect(markdownToMrkdwn('[https://bank.example/login](https://evil.example/x)')).toBe('<https://evil.example/x>');
    expect(markdownToMrkdwn('Pay at [bank.example](https://evil.example/pay).')).toBe('Pay at <https://evil.example/pay>.');
    expect(markdownToMrkdwn('[www.bank.example](https://evil.example)')).toBe('<https://evil.example>');
    expect(markdownToMrkdwn('See [the plan](https://x.test/p).')).toBe('See <https://x.test/p|the plan>.');
    // The same rule for a document whose title is an address.
    expect(link('https://drive.example/d/1', 'https://other.example')).toBe('<https://drive.example/d/1>');
  });

  it('defect 7: the notification text is plain words, escaped once', () => {
    const { text } = answerBlocks(answer({ answer: '**Permits** last *one shift* — see [the plan](https://x.test/p) & `form <A>`.' }));
    expect(text).not.toMatch(/\*\*|`|\[the plan\]/);
    expect(text).toContain('Permits last one shift');
    expect(text).toContain('&amp;');
    expect(text).not.toContain('&amp;amp;');
    expect(text).toContain('&lt;A&gt;');
  });

  it('defect 11: bold around a link, ***x***, quotes and tables are converted', () => {
    expect(markdownToMrkdwn('**[the plan](https://x.test/p)** now')).toBe('*<https://x.test/p|the plan>* now');
    expect(markdownToMrkdwn('***very*** important')).toBe('*_very_* important');
    expect(markdownToMrkdwn('> The permit lasts one shift.\n> Signed by the super.')).toBe(
      '>The permit lasts one shift.\n>Signed by the super.',
    );
    expect(markdownToMrkdwn('a > b')).toBe('a &gt; b');
    const table = '| Item | Owner |\n|---|:--|\n| Hot work | **Super** |\n| RFIs & ASIs | [Architect](https://x.test/a) |';
    expect(markdownToMrkdwn(`Who:\n\n${table}\n\nDone.`)).toBe(
      'Who:\n\n```\nItem         Owner\n-----------  ----------------------------\nHot work     Super\nRFIs &amp; ASIs  Architect (https://x.test/a)\n```\n\nDone.',
    );
  });

  it('defect 10: usage texts keep <placeholders> visible (escaped)', () => {
    expect(
      JSON.stringify(
        homeView({
          documents: 0,
          chunks: 0,
          lastIngestAt: null,
          lastBackupAt: null,
          questionsThisWeek: 0,
          thumbsUp: 0,
          thumbsDown: 0,
          upRatio: null,
        }).blocks,
      ),
    ).toContain('&lt;question&gt;');
  });

  it('defect 6: text typed in Slack is read once: entities decoded, mentions and links made readable', () => {
    expect(slackInputToPlain('O&amp;M &lt;draft&gt; for <@U123|pat> in <#C1|site> see <https://x.test/a?b=1&amp;c=2|spec>')).toBe(
      'O&M <draft> for @pat in #site see spec (https://x.test/a?b=1&c=2)',
    );
    expect(escapeMrkdwn(slackInputToPlain('O&amp;M'))).toBe('O&amp;M');
  });

  it('invalid_blocks fallback: a message as one mrkdwn text keeps its content and links', () => {
    const { blocks } = answerBlocks(answer());
    const text = blocksToMrkdwn(blocks);
    expect(text).toContain('A permit lasts *one shift* [1].');
    expect(text).toContain('[1] <https://drive.example/doc?a=1&amp;b=2|Hot work permits>');
    expect(text).not.toContain('feedback');
  });
});
