// PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary
// Format"), for the column types chunks are made of. Why binary: PGlite sends every query
// parameter as text, and parsing a 512-d vector's text in WebAssembly (strtof per element) cost
// ~2 ms a chunk, two thirds of a bulk insert. In binary a vector is its float4 values as they are
// stored: nothing is parsed, and the stored values are the ones the text path stores (see
// textPathFloat32).

/** How one column's values are encoded; null/undefined is SQL NULL in every type. */
export type CopyType = 'uuid' | 'int4' | 'text' | 'jsonb' | 'vector';

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]; // "PGCOPY\n\377\r\n\0"
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const encoder = new TextEncoder();

/**
 * The float4 pgvector stores for `x` sent as text: strtof of JavaScript's shortest decimal of `x`
 * (pgvector.toSql). That is Math.fround(x) except when `x` lies exactly halfway between two
 * float4s (doubles with few significant bits do): fround breaks the tie to even, while the
 * decimal, a little above or below `x`, rounds to its side.
 */
export function textPathFloat32(x: number): number {
  const f = Math.fround(x);
  if (f === x || !Number.isFinite(f)) return x === 0 ? 0 : f; // "-0" is sent as "0"
  const other = 2 * x - f; // exact: the float4 on the far side when x is the midpoint
  if (Math.fround(other) !== other) return f;
  const side = compareDecimal(x.toExponential(), x.toExponential(99));
  if (side === 0) return f;
  // The decimal is above x: the larger neighbour; below: the smaller.
  return side > 0 === other > f ? other : f;
}

/** Sign of a − b for two decimals of the same number in toExponential form ("-1.25e-3"). */
function compareDecimal(a: string, b: string): number {
  const parse = (s: string) => {
    const [m, e] = s.split('e');
    const neg = m.startsWith('-');
    return { neg, exp: Number(e), digits: m.replace(/[-.]/g, '').replace(/0+$/, '') };
  };
  const x = parse(a);
  const y = parse(b);
  const sign = x.neg ? -1 : 1;
  if (x.exp !== y.exp) return (x.exp > y.exp ? 1 : -1) * sign;
  const n = Math.max(x.digits.length, y.digits.length);
  const dx = x.digits.padEnd(n, '0');
  const dy = y.digits.padEnd(n, '0');
  return dx === dy ? 0 : (dx > dy ? 1 : -1) * sign;
}

class Writer {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private need(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  int16(x: number) {
    this.need(2);
    this.view.setInt16(this.length, x);
    this.length += 2;
  }
  int32(x: number) {
    this.need(4);
    this.view.setInt32(this.length, x);
    this.length += 4;
  }
  bytes(b: ArrayLike<number>) {
    this.need(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** A length-prefixed UTF-8 string, with `prefix` bytes before it (jsonb's version byte). */
  string(s: string, prefix: number[] = []) {
    this.need(4 + prefix.length + s.length * 3);
    const at = this.length;
    this.length += 4;
    this.bytes(prefix);
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.length));
    this.length += written;
    this.view.setInt32(at, prefix.length + written);
  }
  floats(v: ArrayLike<number>) {
    this.need(4 * v.length);
    for (let i = 0; i < v.length; i++) this.view.setFloat32(this.length + 4 * i, textPathFloat32(v[i]));
    this.length += 4 * v.length;
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function field(w: Writer, type: CopyType, value: unknown, column: number) {
  if (value === null || value === undefined) return w.int32(-1);
  const bad = (what: string) => new Error(`binary COPY column ${column + 1} (${type}): ${what}`);
  switch (type) {
    case 'uuid': {
      const s = String(value);
      if (!UUID.test(s)) throw bad(`"${s.slice(0, 40)}" is not a uuid`);
      const hex = s.replace(/-/g, '');
      w.int32(16);
      w.bytes(Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)));
      return;
    }
    case 'int4': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw bad(`${String(value)} is not a 32-bit integer`);
      w.int32(4);
      w.int32(n);
      return;
    }
    case 'text':
      return w.string(String(value));
    case 'jsonb':
      // jsonb's binary form is a version byte (1) and the JSON text.
      return w.string(typeof value === 'string' ? value : JSON.stringify(value), [1]);
    case 'vector': {
      // pgvector's vector_recv: int16 dimensions, int16 unused (0), then float4 values. It checks
      // the column's dimension and rejects NaN and infinity itself, as its text input does.
      const v = value as ArrayLike<number>;
      if (typeof v.length !== 'number') throw bad('not an array of numbers');
      w.int32(4 + 4 * v.length);
      w.int16(v.length);
      w.int16(0);
      w.floats(v);
      return;
    }
  }
}

/** The whole COPY stream (header, rows, trailer) of `rows`, each with one value per entry of `types`. */
export function encodeBinaryCopy(types: readonly CopyType[], rows: Iterable<readonly unknown[]>): Uint8Array {
  const w = new Writer();
  w.bytes(SIGNATURE);
  w.int32(0); // flags
  w.int32(0); // header extension length
  for (const row of rows) {
    if (row.length !== types.length) throw new Error(`binary COPY: a row has ${row.length} values for ${types.length} columns`);
    w.int16(types.length);
    for (let i = 0; i < types.length; i++) field(w, types[i], row[i], i);
  }
  w.int16(-1);
  return w.done();
}
