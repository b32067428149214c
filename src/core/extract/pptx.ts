// Slide decks (.pptx uploads, Google Slides exported as pptx): one section per slide, in the
// presentation's order, headed "Slide N · Title", with the slide's text (shapes, groups, tables)
// and its speaker notes. A pptx is a zip of XML parts: JSZip opens it, fast-xml-parser reads the
// parts; we only follow the relationships from presentation to slides to notes.
import JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';
import { posix } from 'node:path';
import { ExtractError, type Extracted, type ExtractedSection } from './types.js';
import { refuseOfficeContainer } from './office.js';

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Text runs must stay strings ("007" is not 7) and repeated elements arrays, one or many.
  parseTagValue: false,
  trimValues: false,
  isArray: (name) =>
    ['p:sp', 'p:grpSp', 'p:graphicFrame', 'a:p', 'a:r', 'a:fld', 'a:br', 'a:tr', 'a:tc', 'p:sldId', 'Relationship'].includes(name),
});

const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v ? [v as Node] : []);
const text = (v: unknown): string =>
  typeof v === 'string' ? v : v && typeof v === 'object' && '#text' in (v as Node) ? String((v as Node)['#text']) : '';

function paragraphs(txBody: Node | undefined): string[] {
  return list(txBody?.['a:p'])
    .map((p) =>
      [...list(p['a:r']), ...list(p['a:fld'])]
        .map((r) => text(r['a:t']))
        .join('')
        .trim(),
    )
    .filter(Boolean);
}

function placeholder(sp: Node): string | undefined {
  const ph = (sp['p:nvSpPr'] as Node | undefined)?.['p:nvPr'] as Node | undefined;
  return (ph?.['p:ph'] as Node | undefined)?.['@type'] as string | undefined;
}

interface ShapeText {
  title: string[];
  body: string[];
}

function collect(tree: Node | undefined, out: ShapeText, skip: (type: string | undefined) => boolean = () => false): ShapeText {
  if (!tree) return out;
  for (const sp of list(tree['p:sp'])) {
    const type = placeholder(sp);
    if (skip(type)) continue;
    const paras = paragraphs(sp['p:txBody'] as Node | undefined);
    (type === 'title' || type === 'ctrTitle' ? out.title : out.body).push(...paras);
  }
  for (const frame of list(tree['p:graphicFrame'])) {
    const tbl = ((frame['a:graphic'] as Node | undefined)?.['a:graphicData'] as Node | undefined)?.['a:tbl'] as Node | undefined;
    for (const tr of list(tbl?.['a:tr'])) {
      const cells = list(tr['a:tc']).map((tc) => paragraphs(tc['a:txBody'] as Node | undefined).join(' '));
      if (cells.some(Boolean)) out.body.push(cells.join(' | '));
    }
  }
  for (const g of list(tree['p:grpSp'])) collect(g, out, skip);
  return out;
}

async function readXml(zip: JSZip, path: string): Promise<Node | undefined> {
  const f = zip.file(path);
  return f ? (parser.parse(await f.async('string')) as Node) : undefined;
}

/** Relationship id → target part path, resolved against the part that owns the .rels file. */
async function relationships(zip: JSZip, part: string): Promise<Map<string, { target: string; type: string }>> {
  const rels = await readXml(zip, posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`));
  const out = new Map<string, { target: string; type: string }>();
  for (const r of list((rels?.Relationships as Node | undefined)?.Relationship))
    out.set(String(r['@Id']), { target: posix.normalize(posix.join(posix.dirname(part), String(r['@Target']))), type: String(r['@Type']) });
  return out;
}

export async function extractPptx(data: Buffer): Promise<Extracted> {
  refuseOfficeContainer(data, 'presentation');
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(data);
  } catch (e) {
    throw new ExtractError(`corrupt presentation: ${(e as Error).message}`, 'corrupt');
  }
  const presentation = await readXml(zip, 'ppt/presentation.xml');
  if (!presentation) throw new ExtractError('corrupt presentation: ppt/presentation.xml is missing', 'corrupt');
  const rels = await relationships(zip, 'ppt/presentation.xml');
  const ids = list(((presentation['p:presentation'] as Node | undefined)?.['p:sldIdLst'] as Node | undefined)?.['p:sldId']);
  const sections: ExtractedSection[] = [];
  let n = 0;
  for (const id of ids) {
    const rel = rels.get(String(id['@r:id']));
    if (!rel) continue;
    n++;
    const slide = await readXml(zip, rel.target);
    const tree = ((slide?.['p:sld'] as Node | undefined)?.['p:cSld'] as Node | undefined)?.['p:spTree'] as Node | undefined;
    const shapes = collect(tree, { title: [], body: [] });
    const notesRel = [...(await relationships(zip, rel.target)).values()].find((r) => r.type.endsWith('/notesSlide'));
    const notesXml = notesRel ? await readXml(zip, notesRel.target) : undefined;
    const notesTree = ((notesXml?.['p:notes'] as Node | undefined)?.['p:cSld'] as Node | undefined)?.['p:spTree'] as Node | undefined;
    // A notes page also holds the slide's picture and its number: only the notes' body is the speaker's text.
    const notes = collect(notesTree, { title: [], body: [] }, (type) => type !== 'body').body;
    const title = shapes.title.join(' ');
    const body = [...shapes.body, ...(notes.length ? [`Speaker notes: ${notes.join(' ')}`] : [])];
    if (!title && !body.length) continue;
    sections.push({
      text: [title, ...body].filter(Boolean).join('\n\n'),
      location: { slide: n },
      heading: title ? `Slide ${n} · ${title}` : `Slide ${n}`,
    });
  }
  const core = await zip.file('docProps/core.xml')?.async('string');
  const docTitle = core ? /<dc:title>([^<]*)<\/dc:title>/.exec(core)?.[1]?.trim() : undefined;
  return { text: sections.map((s) => s.text).join('\n\n'), title: docTitle || undefined, sections };
}
