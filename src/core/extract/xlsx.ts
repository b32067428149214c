// Spreadsheets (.xlsx uploads, Google Sheets exported as xlsx so every tab comes along): one
// section per data row, under its tab, each row written with its column headers ("Submittal:
// 05 12 00-3 · Status: Revise and resubmit") so a row found alone still says what it is. Rows keep
// the numbers the spreadsheet shows (title and header rows counted), so answers can cite
// "tab Steel, rows 40–44". ExcelJS reads the workbook: merged cells, formulas' cached results and
// rich text included.
import ExcelJS from 'exceljs';
import { ExtractError, type Extracted, type ExtractedSection } from './types.js';
import { refuseOfficeContainer } from './office.js';

type Cell = ExcelJS.Cell;

function cellText(cell: Cell): string {
  const v = (cell.isMerged ? cell.master : cell).value as unknown;
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: string };
    if (o.richText)
      return o.richText
        .map((r) => r.text)
        .join('')
        .trim();
    if ('result' in o)
      return o.result instanceof Date
        ? o.result.toISOString().slice(0, 10)
        : o.result === undefined || o.result === null
          ? ''
          : String(o.result).trim();
    if (o.text !== undefined) return String(o.text).trim();
    return '';
  }
  return String(v).trim();
}

interface SheetRow {
  n: number;
  cells: string[];
}

const distinct = (cells: string[]) => new Set(cells.filter(Boolean)).size;

/** A cell merged across columns of its own row (a group header such as "Dates" over two columns). */
function spansColumns(ws: ExcelJS.Worksheet, row: number, col: number): boolean {
  const cell = ws.getCell(row, col);
  if (!cell.isMerged) return false;
  const master = cell.master;
  const right = col < ws.columnCount ? ws.getCell(row, col + 1) : undefined;
  const left = col > 1 ? ws.getCell(row, col - 1) : undefined;
  return [left, right].some((c) => c?.isMerged && c.master === master && Number(c.row) === Number(master.row));
}

const columnName = (i: number) => {
  let n = i + 1;
  let s = '';
  while (n > 0) {
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
    n = Math.floor((n - 1) / 26);
  }
  return `Column ${s}`;
};

function sheetSections(ws: ExcelJS.Worksheet): ExtractedSection[] {
  const width = ws.columnCount;
  const rows: SheetRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const cells = Array.from({ length: width }, (_, i) => cellText(row.getCell(i + 1)));
    if (cells.some(Boolean)) rows.push({ n, cells });
  });
  if (!rows.length) return [];
  const heading = ws.name;
  const at = (n: number, text: string): ExtractedSection => ({ text, location: { sheet: ws.name, rowStart: n }, heading });
  const out: ExtractedSection[] = [];
  // Title rows (one value, often merged across the table) come before the header row.
  let i = 0;
  while (i < rows.length - 1 && distinct(rows[i].cells) <= 1) {
    out.push(at(rows[i].n, rows[i].cells.filter(Boolean)[0]));
    i++;
  }
  if (distinct(rows[i].cells) <= 1 && i === rows.length - 1) {
    out.push(at(rows[i].n, rows[i].cells.filter(Boolean)[0]));
    return out;
  }
  // The header row; a row under a group header merged across columns completes it ("Dates › Returned").
  let header = rows[i].cells;
  const headerRow = rows[i].n;
  i++;
  const grouped = header.some((_, c) => spansColumns(ws, headerRow, c + 1));
  if (grouped && i < rows.length && rows[i].cells.every((c) => !c || !/^[\d.,\s%$-]+$/.test(c))) {
    const sub = rows[i].cells;
    header = header.map((h, c) => (sub[c] && sub[c] !== h ? (h ? `${h} › ${sub[c]}` : sub[c]) : h));
    i++;
  }
  for (; i < rows.length; i++) {
    const { n, cells } = rows[i];
    const text = cells
      .map((v, c) => (v ? `${header[c] || columnName(c)}: ${v}` : ''))
      .filter(Boolean)
      .join(' · ');
    out.push(at(n, text));
  }
  return out;
}

export async function extractXlsx(data: Buffer): Promise<Extracted> {
  refuseOfficeContainer(data, 'spreadsheet');
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch (e) {
    throw new ExtractError(`corrupt spreadsheet: ${(e as Error).message}`, 'corrupt');
  }
  // Very hidden sheets are the workbook's machinery (lookup tables, macros' state), not content.
  const sections = wb.worksheets.filter((ws) => ws.state !== 'veryHidden').flatMap(sheetSections);
  const title = wb.title?.trim() || undefined;
  return { text: sections.map((s) => s.text).join('\n\n'), title, sections };
}
