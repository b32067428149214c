// The JavaScript that `trajanus` runs: src/ compiled by esbuild into dist/, one file per module at the
// same depth (so paths relative to a module, such as ../../../migrations/, stay true), rebuilt when
// a file in src/ changed since the last build. Running the TypeScript through tsx's loader thread
// instead cost a short command most of its start-up (`npm run bench:cli`).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TREE = { src: join(ROOT, 'src'), out: join(ROOT, 'dist') };
const STAMP = '.sources';
// Bump when the build options below change, so every tree rebuilds once.
const BUILD = 1;

/**
 * src/'s files (relative, sorted) and what the build depends on: each one's path, size and
 * modification time. Every command pays for this before it starts, and a served ask takes little
 * more than Node's own start: so one stat per file and nothing else (directories are listed with
 * their entries' types), the key kept whole in the stamp (~10 KB) rather than hashed, which would
 * load node:crypto.
 */
function sources(src) {
  const root = resolve(src);
  // A link is a file when what it points to is one: its one stat below says so.
  const candidates = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() || d.isSymbolicLink())
    .map((d) => {
      const dir = d.parentPath ?? d.path; // parentPath from Node 20.12
      return dir === root ? d.name : `${dir.slice(root.length + 1)}${sep}${d.name}`;
    })
    .sort();
  const files = [];
  const lines = [`build ${BUILD}`];
  for (const f of candidates) {
    const s = statSync(join(root, f));
    if (!s.isFile()) continue;
    files.push(f);
    lines.push(`${f}\0${s.size}\0${s.mtimeMs}`);
  }
  return { files, key: lines.join('\n') };
}

/** Writes `data` to `file` in one step (a rename), so a process starting meanwhile never reads half a file. */
function writeAtomic(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * Compiles src/ into dist/: TypeScript through esbuild (the transform tsx applies), other files
 * copied. The stamp records the sources as they were before the build: one edited meanwhile is
 * rebuilt by the next run.
 */
export async function build({ src, out } = TREE, { files, key } = sources(src)) {
  const { build: esbuild } = await import('esbuild');
  const ts = files.filter((f) => f.endsWith('.ts'));
  const result = await esbuild({
    entryPoints: ts.map((f) => join(src, f)),
    outbase: src,
    outdir: out,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
  });
  const written = new Set();
  for (const o of result.outputFiles) {
    writeAtomic(o.path, o.contents);
    written.add(o.path);
  }
  for (const f of files.filter((x) => !x.endsWith('.ts'))) {
    writeAtomic(join(out, f), readFileSync(join(src, f)));
    written.add(join(out, f));
  }
  // A module deleted or renamed in src/ leaves nothing behind that could still be imported.
  for (const f of readdirSync(out, { recursive: true }).map(String)) {
    const p = join(out, f);
    if (f !== STAMP && !written.has(p) && !p.endsWith('.tmp') && statSync(p).isFile()) rmSync(p, { force: true });
  }
  writeAtomic(join(out, STAMP), key);
}

/** The URL of the compiled cli.js, built first when src/ changed since; throws when dist/ cannot be written. */
export async function compiledEntry(tree = TREE) {
  const now = sources(tree.src);
  let current;
  try {
    current = readFileSync(join(tree.out, STAMP), 'utf8');
  } catch {}
  if (current !== now.key) await build(tree, now);
  return pathToFileURL(join(tree.out, 'cli.js')).href;
}

/** `node bin/compiled.mjs`: builds now (the Docker image does, as root, before dropping rights). */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await build();
  console.log(`compiled ${relative(ROOT, TREE.src)}/ into ${relative(ROOT, TREE.out)}/`);
}
