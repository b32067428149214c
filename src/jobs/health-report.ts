/** The daily health report: collectHealth rendered as Block Kit, posted after every run. */
import type { Config } from '../config.js';
import type { Database } from '../core/db/types.js';
import { collectHealth, healthFigures, type Health } from '../core/health.js';
import type { NotifierMessage } from './notify.js';
import type { Job } from './scheduler.js';

type HealthConfig = Pick<Config, 'JOB_HEALTH_REPORT_CRON' | 'BACKUP_DIR' | 'HEALTH_P95_WARN_MS' | 'HEALTH_BACKUP_WARN_HOURS'>;

export function healthReportJob(services: { config: HealthConfig; db: Database }, opts: { now?: () => Date } = {}): Job<Health> {
  const { config, db } = services;
  return {
    name: 'health-report',
    schedule: config.JOB_HEALTH_REPORT_CRON,
    run: () =>
      collectHealth(db, {
        backupDir: config.BACKUP_DIR,
        p95WarnMs: config.HEALTH_P95_WARN_MS,
        backupWarnHours: config.HEALTH_BACKUP_WARN_HOURS,
        now: opts.now?.(),
      }),
    report: healthMessage,
  };
}

/** Slack mrkdwn treats & < > specially; our figures are plain, but warnings can quote an error. */
const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function healthMessage(h: Health): NotifierMessage {
  const figures = healthFigures(h);
  const fields = figures.map(([label, value]) => ({ type: 'mrkdwn', text: `*${esc(label)}*\n${esc(value)}` }));
  // Block Kit allows at most 10 fields per section.
  const sections = [];
  for (let i = 0; i < fields.length; i += 10) sections.push({ type: 'section', fields: fields.slice(i, i + 10) });
  const warnings = h.warnings.length ? h.warnings.map((w) => `:warning: ${esc(w)}`).join('\n') : ':white_check_mark: No warnings';
  const failed = h.failedJobs24h
    .slice(0, 5)
    .map((f) => `• *${esc(f.job)}* ${f.at.slice(0, 16).replace('T', ' ')} UTC: ${esc((f.error ?? '').slice(0, 200))}`);
  const text = `Trajanus health: ${h.warnings.length ? `${h.warnings.length} warning(s)` : 'OK'} — ${figures.map(([l, v]) => `${l}: ${v}`).join('; ')}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Trajanus health — ${h.at.slice(0, 10)}` } },
      ...sections,
      { type: 'section', text: { type: 'mrkdwn', text: warnings.slice(0, 3000) } },
      ...(failed.length
        ? [{ type: 'section', text: { type: 'mrkdwn', text: `*Failed jobs (24 h)*\n${failed.join('\n')}`.slice(0, 3000) } }]
        : []),
    ],
  };
}
