import { convert } from 'html-to-text';
import { decodeText } from './text.js';
import type { Extracted } from './types.js';

const heading = (level: number) => ({
  format: 'heading' as const,
  options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 1, prefix: `${'#'.repeat(level)} ` },
});

// Headings become Markdown headings (with a prefix via a custom formatter) so the chunker can
// split on them; tables keep their cells apart (the default runs "RoleName…" together).
export function htmlToMarkdownish(html: string): string {
  return convert(html, {
    wordwrap: false,
    formatters: {
      mdHeading: (elem, walk, builder, options) => {
        builder.openBlock({ leadingLineBreaks: 2 });
        builder.addInline(`${(options as { prefix?: string }).prefix ?? ''}`);
        walk(elem.children, builder);
        builder.closeBlock({ trailingLineBreaks: 1 });
      },
    },
    selectors: [
      ...[1, 2, 3, 4, 5, 6].map((n) => ({ selector: `h${n}`, format: 'mdHeading', options: { prefix: heading(n).options.prefix } })),
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'table', format: 'dataTable' },
      { selector: 'title', format: 'skip' },
    ],
  });
}

export function extractHtml(data: Buffer): Extracted {
  const html = decodeText(data);
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim();
  return { text: htmlToMarkdownish(html), title: title || undefined };
}
