// The sample knowledge base is what a new user searches first (`--type minutes`, `--category
// safety`): every sample's category and type, as the folder source gives them, checked one by one.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderSource, inferDocType } from '../../../src/core/sources/folder.js';

const EXPECTED: Record<string, [category: string, docType: string]> = {
  'closeout/closeout-commissioning-checklist.md': ['closeout', 'checklist'],
  'closeout/punch-list-procedure.docx': ['closeout', 'procedure'],
  'closeout/warranty-procedure.html': ['closeout', 'procedure'],
  'contracts/change-order-procedure.docx': ['contracts', 'procedure'],
  'contracts/pay-application-procedure.pdf': ['contracts', 'procedure'],
  'contracts/prime-contract-summary.md': ['contracts', 'contract'],
  'logs/rfi-log.csv': ['logs', 'log'],
  'logs/submittal-log.csv': ['logs', 'log'],
  'meetings/meeting-minutes-template.txt': ['meetings', 'template'],
  'meetings/oac-meeting-12-minutes.md': ['meetings', 'minutes'],
  'meetings/oac-meeting-13-minutes.md': ['meetings', 'minutes'],
  'meetings/subcontractor-coordination-meeting-2026-10-21.md': ['meetings', 'minutes'],
  'procedures/daily-report-template.txt': ['procedures', 'template'],
  'procedures/rfi-procedure.md': ['procedures', 'procedure'],
  'procedures/submittal-procedure.md': ['procedures', 'procedure'],
  'project/document-control-standard.md': ['project', 'standard'],
  'project/project-directory.html': ['project', 'directory'],
  'quality/concrete-cold-weather-procedure.md': ['quality', 'procedure'],
  'quality/concrete-pour-checklist.md': ['quality', 'checklist'],
  'quality/qa-qc-plan.md': ['quality', 'plan'],
  'quality/rebar-inspection-checklist.md': ['quality', 'checklist'],
  'safety/crane-lift-plan.pdf': ['safety', 'plan'],
  'safety/excavation-trenching-plan.docx': ['safety', 'plan'],
  'safety/fall-protection-plan.md': ['safety', 'plan'],
  'safety/hot-work-permit-procedure.md': ['safety', 'procedure'],
  'safety/incident-reporting-procedure.md': ['safety', 'procedure'],
  'safety/site-specific-safety-plan.md': ['safety', 'plan'],
  'safety/swppp-inspection-procedure.html': ['safety', 'procedure'],
  'safety/toolbox-talk-log.txt': ['safety', 'log'],
  'schedule/baseline-schedule-narrative.md': ['schedule', 'schedule'],
  'schedule/schedule-update-2026-10.pdf': ['schedule', 'schedule'],
  'schedule/three-week-look-ahead-2026-11-02.txt': ['schedule', 'schedule'],
};

describe('sample knowledge base', () => {
  it('gives every sample the category and type it is', async () => {
    const got: Record<string, [string | undefined, string | undefined]> = {};
    for await (const f of new FolderSource(resolve(import.meta.dirname, '../../../samples/knowledge-base')).list())
      got[f.path!] = [f.category, f.docType];
    expect(got).toEqual(EXPECTED);
  });

  it('reads types from whole words of the name', () => {
    expect(inferDocType('subcontractor-kickoff.md')).toBeUndefined();
    expect(inferDocType('Subcontract_Agreement.pdf')).toBe('contract');
    expect(inferDocType('weekly-meeting-2026-10-21.md')).toBe('minutes');
    expect(inferDocType('logistics-plan.md')).toBe('plan');
    expect(inferDocType('catalog.txt')).toBeUndefined();
  });
});
