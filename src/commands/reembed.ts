// `trajanus reembed [--yes] [--batch-size N] [--json]`: switches the knowledge base to the
// configured embedder and re-embeds every chunk. Without --yes it only says what it would do.
// It cannot use createServices(): that refuses to start when the stored vectors come from
// another embedder (EmbedderMismatchError), which is exactly the situation reembed resolves.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import { migrate } from '../core/db/migrate.js';
import { createEmbedder } from '../core/embed/index.js';
import { CachedEmbedder } from '../core/embed/cache.js';
import { loggerFromConfig } from '../core/log.js';
import { planReembed, reembed, type ReembedPlan, type ReembedProgress } from '../core/reembed.js';

const USAGE = `trajanus reembed [--yes] [--batch-size N] [--json]

  Re-embeds every chunk with the configured embedder (EMBEDDING_PROVIDER / EMBEDDING_MODEL /
  EMBEDDING_DIMENSIONS). The current vectors are dropped first: search is degraded until it ends.
  A run that stops half-way can be resumed by running it again.

  Stop the bot (and its scheduled jobs) first, and start it again when this finishes: questions
  embedded with the old model cannot be compared with the new vectors until the re-embed is done.

  --yes            do it (without: print the plan and exit 1)
  --batch-size N   chunks per embedding call and transaction (default 128)
  --json           print one JSON object with the result on stdout`;

const space = (s: ReembedPlan['from']) => (s ? `${s.model} (${s.dimensions} dims)` : '(none)');

function progressReporter(json: boolean) {
  if (json) return { update(_p: ReembedProgress) {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'reembed [{bar}] {value}/{total} chunks | {embedded} embedded | {hits} cache hits | {eta_formatted}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p: ReembedProgress) {
        if (!started) bar.start(p.total, p.done, { embedded: 0, hits: 0 });
        started = true;
        bar.update(p.done, { embedded: p.embedded, hits: p.cacheHits });
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let last = -1;
  return {
    update(p: ReembedProgress) {
      const decile = p.total ? Math.floor((p.done / p.total) * 10) : 10;
      if (decile === last) return;
      last = decile;
      process.stderr.write(`reembed: ${p.done}/${p.total} chunks (${decile * 10}%), ${p.embedded} embedded, ${p.cacheHits} cache hits\n`);
    },
    stop() {},
  };
}

const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        yes: { type: 'boolean', short: 'y', default: false },
        'batch-size': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const batchSize = values['batch-size'] !== undefined ? Number(values['batch-size']) : undefined;
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
      console.error('trajanus reembed: --batch-size must be a positive integer');
      return 2;
    }
    const config = loadConfig();
    const logger = loggerFromConfig(config);
    const db = await openDatabase(config);
    try {
      await migrate(db, { onApply: (m) => logger.info({ migration: m.file }, 'migration applied') });
      const embedder = createEmbedder(config);
      const plan = await planReembed(db, embedder);
      if (!plan.switching && plan.pending === 0) {
        if (values.json) console.log(JSON.stringify({ ...plan, reembedded: 0, done: true }));
        else console.log(`Nothing to do: all ${plan.chunks} chunks are embedded with ${space(plan.to)}.`);
        return 0;
      }
      if (!values.yes) {
        const what = plan.switching
          ? `would switch the embedding space ${space(plan.from)} → ${space(plan.to)}: drop every vector and the HNSW index, and re-embed ${plan.chunks} chunks`
          : `would embed the ${plan.pending} of ${plan.chunks} chunks that have no ${plan.to.model} vector yet (resuming an interrupted reembed)`;
        if (values.json) console.log(JSON.stringify({ ...plan, done: false }));
        else
          console.log(`trajanus reembed ${what}.\nSearch quality is degraded until it finishes. Run \`trajanus reembed --yes\` to do it.`);
        return 1;
      }
      const progress = progressReporter(values.json);
      const summary = await reembed(db, new CachedEmbedder(db, embedder), { batchSize, onProgress: (p) => progress.update(p) }).finally(
        () => progress.stop(),
      );
      if (values.json) console.log(JSON.stringify({ ...summary, done: true }));
      else
        console.log(
          `Re-embedded ${summary.reembedded} chunks with ${space(summary.to)} (was ${space(summary.from)}) in ${(summary.durationMs / 1000).toFixed(1)} s: ` +
            `${summary.embedded} embedded, ${summary.cache_hits} from the cache, ${summary.batches} batches.`,
        );
      return 0;
    } finally {
      await db.close();
    }
  },
};
export default command;
