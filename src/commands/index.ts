// Every `trajanus` command, its summary, and how to load it: a module is imported only when its
// command runs, so `trajanus help` and `trajanus config` pay for none of them.
import type { CommandEntry } from './types.js';

export const commands: Record<string, CommandEntry> = {
  start: {
    summary: 'run the bot (Slack, or a terminal chat without Slack credentials) and the scheduled jobs',
    load: () => import('./start.js'),
  },
  migrate: { summary: 'apply pending database migrations', load: () => import('./migrate.js') },
  status: {
    summary: 'show the database kind, migration state and row counts',
    load: () => import('./status.js'),
    shortLived: true,
    served: true,
  },
  config: { summary: 'check the configuration (or print its table with --markdown)', load: () => import('./config.js') },
  ingest: { summary: 'ingest the knowledge folder (or Google Drive) into the knowledge base', load: () => import('./ingest.js') },
  reembed: { summary: 'switch to the configured embedder and re-embed every chunk', load: () => import('./reembed.js') },
  search: {
    summary: 'search the knowledge base and print ranked documents',
    load: () => import('./search.js'),
    shortLived: true,
    served: true,
  },
  ask: {
    summary: 'answer a question from the knowledge base, with its sources',
    load: () => import('./ask.js'),
    shortLived: true,
    served: true,
  },
  access: {
    summary: 'who may open a document, or how much a person (--who email) may see',
    load: () => import('./access.js'),
    shortLived: true,
  },
  jobs: {
    summary: 'list the scheduled jobs, or run one now',
    load: () => import('./jobs.js'),
    shortLived: (args) => args.find((a) => !a.startsWith('--')) === 'list',
    served: true,
  },
  health: {
    summary: 'sizes, latency, feedback, cache, backups, ingests and failed jobs, with warnings',
    load: () => import('./health.js'),
    shortLived: true,
    served: true,
  },
  backup: { summary: 'back up the database to BACKUP_DIR now, then apply BACKUP_RETENTION_DAYS', load: () => import('./backup.js') },
  restore: { summary: 'replace the database with a backup (needs --yes)', load: () => import('./restore.js') },
  // further commands are registered here, one line each
};
