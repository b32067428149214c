// The JavaScript that `trajanus` runs: src/ compiled by esbuild into dist/, one file per module at the
// same depth (so paths relative to a module, such as ../../../migrations/, stay true), rebuilt when
// a file in src/ changed since the last build. Running the TypeScript through tsx's loader thread
// instead cost a short command most of its start-up (`npm run bench:cli`).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TREE = { src: join(ROOT, 'src'), out: join(ROOT, 'dist') };
const STAMP = '.sources';
// Bump when the build options below change, so every tree rebuilds once.
const BUILD = 1;

/** What the build depends on: each source file's path, size and modification time. */
function sourcesKey(src, files) {
  const h = createHash('sha256').update(`build ${BUILD}\n`);
  for (const f of files) {
    const s = statSync(join(src, f));
    h.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return h.digest('hex');
}

const sourceFiles = (src) =>
  readdirSync(src, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(src, f)).isFile())
    .sort();

/** Writes `data` to `file` in one step (a rename), so a process starting meanwhile never reads half a file. */
function writeAtomic(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Compiles src/ into dist/: TypeScript through esbuild (the transform tsx applies), other files copied. */
export async function build({ src, out } = TREE, files = sourceFiles(src)) {
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
  writeAtomic(join(out, STAMP), sourcesKey(src, files));
}

/** The URL of the compiled cli.js, built first when src/ changed since; throws when dist/ cannot be written. */
export async function compiledEntry(tree = TREE) {
  const files = sourceFiles(tree.src);
  let current;
  try {
    current = readFileSync(join(tree.out, STAMP), 'utf8');
  } catch {}
  if (current !== sourcesKey(tree.src, files)) await build(tree, files);
  return pathToFileURL(join(tree.out, 'cli.js')).href;
}

/** `node bin/compiled.mjs`: builds now (the Docker image does, as root, before dropping rights). */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await build();
  console.log(`compiled ${relative(ROOT, TREE.src)}/ into ${relative(ROOT, TREE.out)}/`);
}
