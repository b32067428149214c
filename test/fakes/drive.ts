// A fake Google Drive v3 API on 127.0.0.1 for the real `googleapis` client (rootUrl points here).
// An in-memory tree of files and folders, a change log for the Changes API (a page token is an
// index into the log), and hooks that answer with Google's error shapes.
import type { ServerResponse } from 'node:http';
import { sendJson, startFakeServer, type FakeServer, type RecordedRequest } from './http.js';

export const FOLDER = 'application/vnd.google-apps.folder';
export const SHORTCUT = 'application/vnd.google-apps.shortcut';
export const GDOC = 'application/vnd.google-apps.document';
export const GSHEET = 'application/vnd.google-apps.spreadsheet';
export const GSLIDES = 'application/vnd.google-apps.presentation';

export interface FakeFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  driveId?: string;
  trashed?: boolean;
  version: number;
  modifiedTime: string;
  md5Checksum?: string;
  /** Bytes for alt=media (binary files). */
  content?: Buffer;
  /** Google-native files: export mimeType → body. */
  exports?: Record<string, string | Buffer>;
  shortcutDetails?: { targetId: string; targetMimeType?: string };
  owners?: { emailAddress: string }[];
  permissions?: FakePermission[];
  /** The caller may not share this file: the listing carries no `permissions` (permissions.list still answers). */
  permissionsHidden?: boolean;
  /** permissions.list answers 403 for this file. */
  permissionsUnreadable?: boolean;
}

export interface FakePermission {
  type: 'user' | 'group' | 'domain' | 'anyone';
  role: string;
  emailAddress?: string;
  domain?: string;
}

export type NewFile = Partial<FakeFile> & Pick<FakeFile, 'id' | 'name' | 'mimeType'>;

interface LoggedChange {
  fileId: string;
  removed: boolean;
  driveId?: string;
}

type Injected = {
  status: number;
  reason: string;
  domain: 'usageLimits' | 'global';
  message: string;
  match: (r: RecordedRequest) => boolean;
  left: number;
};

export interface FakeDrive extends FakeServer {
  /** rootUrl for google.drive({ rootUrl }) */
  rootUrl: string;
  files: Map<string, FakeFile>;
  drives: Map<string, string>;
  addDrive(id: string, name: string): void;
  /** Adds or replaces a file (logged as a change; version bumped on replace). */
  put(f: NewFile): FakeFile;
  /** Edits a file: new fields/content, version bumped, change logged. */
  edit(id: string, patch: Partial<FakeFile>): FakeFile;
  trash(id: string): void;
  /** Permanent deletion: the file is gone, the change says removed. */
  remove(id: string): void;
  /** Page tokens below this answer like an expired token. */
  expireTokensBefore(n: number, status?: 400 | 404 | 410): void;
  /** The next `times` matching requests fail with Google's error JSON. */
  fail(
    times: number,
    error: { status: number; reason: string; domain?: 'usageLimits' | 'global'; message?: string },
    match?: (r: RecordedRequest) => boolean,
  ): void;
  rateLimit(times: number, match?: (r: RecordedRequest) => boolean): void;
  /** The next `times` matching requests get no answer for `ms` (then a normal one), to exercise client timeouts. */
  stall(times: number, ms: number, match?: (r: RecordedRequest) => boolean): void;
  /** Exporting this file answers 403 exportSizeLimitExceeded. */
  exportTooLarge: Set<string>;
  /** Requests to a path (e.g. '/drive/v3/files'). */
  requestsTo(path: string): RecordedRequest[];
  /** A sharing change: logged in the change log with the same version and modifiedTime, as Drive does. */
  share(id: string, permissions: FakePermission[]): void;
  /** A shared drive's own members (permissions.list on the drive id). */
  drivePermissions: Map<string, FakePermission[]>;
  /** Directory API groups: group email → member emails; a group absent here answers 403. */
  groups: Map<string, string[]>;
  /** rootUrl for the Directory API (google.admin({ rootUrl })). */
  directoryRootUrl: string;
}

export function googleError(
  res: ServerResponse,
  status: number,
  reason: string,
  message: string,
  domain: 'usageLimits' | 'global' = 'global',
) {
  sendJson(res, status, { error: { code: status, message, errors: [{ reason, domain, message }] } });
}

export async function startFakeDrive(): Promise<FakeDrive> {
  const files = new Map<string, FakeFile>();
  const drives = new Map<string, string>();
  const log: LoggedChange[] = [];
  const injected: Injected[] = [];
  const stalls: { left: number; ms: number; match: (r: RecordedRequest) => boolean }[] = [];
  const exportTooLarge = new Set<string>();
  let expired = { before: 0, status: 404 as 400 | 404 | 410 };
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const now = () => new Date((clock += 60_000)).toISOString();

  const logChange = (f: FakeFile, removed = false) => log.push({ fileId: f.id, removed, driveId: f.driveId });

  const drivePermissions = new Map<string, FakePermission[]>();
  const groups = new Map<string, string[]>();
  const permsOf = (f: FakeFile): FakePermission[] => f.permissions ?? [{ type: 'user', role: 'owner', emailAddress: 'owner@example.com' }];

  const view = (f: FakeFile) => ({
    kind: 'drive#file',
    id: f.id,
    name: f.name,
    mimeType: f.mimeType,
    parents: f.parents,
    driveId: f.driveId,
    trashed: !!f.trashed,
    version: String(f.version),
    modifiedTime: f.modifiedTime,
    md5Checksum: f.md5Checksum,
    size: f.content ? String(f.content.length) : undefined,
    webViewLink: `https://drive.google.com/file/d/${f.id}/view`,
    owners: f.owners ?? [{ emailAddress: 'owner@example.com' }],
    // Drive returns `permissions` only to a caller who may share the file, and never for shared-drive items.
    ...(f.driveId || f.permissionsHidden ? {} : { permissions: permsOf(f) }),
    shortcutDetails: f.shortcutDetails,
  });

  const notFound = (res: ServerResponse, id: string) => googleError(res, 404, 'notFound', `File not found: ${id}.`);

  function listFiles(req: RecordedRequest, res: ServerResponse) {
    const q = req.query.get('q') ?? '';
    const parent = /'((?:[^'\\]|\\.)+)' in parents/.exec(q)?.[1]?.replace(/\\'/g, "'");
    const notTrashed = /trashed\s*=\s*false/.test(q);
    const driveId = req.query.get('corpora') === 'drive' ? req.query.get('driveId') : null;
    let all = [...files.values()].filter(
      (f) => (!parent || f.parents.includes(parent)) && (!notTrashed || !f.trashed) && (!driveId || f.driveId === driveId),
    );
    all = all.sort((a, b) => a.id.localeCompare(b.id));
    const size = Number(req.query.get('pageSize') ?? 100);
    const start = Number(req.query.get('pageToken') ?? 0);
    const page = all.slice(start, start + size);
    sendJson(res, 200, {
      kind: 'drive#fileList',
      files: page.map(view),
      ...(start + size < all.length ? { nextPageToken: String(start + size) } : {}),
    });
  }

  function listChanges(req: RecordedRequest, res: ServerResponse) {
    const token = Number(req.query.get('pageToken'));
    if (!Number.isInteger(token) || token < expired.before || token > log.length)
      return expired.status === 400
        ? googleError(res, 400, 'invalid', 'Invalid Value')
        : googleError(res, expired.status, 'notFound', `Page token is not valid: ${req.query.get('pageToken')}`);
    const driveId = req.query.get('driveId');
    const size = Number(req.query.get('pageSize') ?? 100);
    const end = Math.min(log.length, token + size);
    const changes = log
      .slice(token, end)
      .filter((c) => !driveId || c.driveId === driveId)
      .map((c) => {
        const f = files.get(c.fileId);
        return {
          kind: 'drive#change',
          changeType: 'file',
          fileId: c.fileId,
          removed: c.removed || !f,
          ...(f && !c.removed ? { file: view(f) } : {}),
        };
      });
    sendJson(res, 200, {
      kind: 'drive#changeList',
      changes,
      ...(end < log.length ? { nextPageToken: String(end) } : { newStartPageToken: String(log.length) }),
    });
  }

  async function route(req: RecordedRequest, res: ServerResponse): Promise<unknown> {
    const stall = stalls.find((x) => x.left > 0 && x.match(req));
    if (stall) {
      stall.left--;
      await new Promise((r) => setTimeout(r, stall.ms));
      if (res.destroyed) return;
    }
    const hook = injected.find((i) => i.left > 0 && i.match(req));
    if (hook) {
      hook.left--;
      return googleError(res, hook.status, hook.reason, hook.message, hook.domain);
    }
    if (req.method !== 'GET') return googleError(res, 405, 'methodNotAllowed', 'fake Drive is read-only');
    const p = req.path;
    if (p === '/drive/v3/files') return listFiles(req, res);
    if (p === '/drive/v3/changes/startPageToken')
      return sendJson(res, 200, { kind: 'drive#startPageToken', startPageToken: String(log.length) });
    if (p === '/drive/v3/changes') return listChanges(req, res);
    let m = /^\/admin\/directory\/v1\/groups\/([^/]+)\/members$/.exec(p);
    if (m) {
      const members = groups.get(decodeURIComponent(m[1]));
      if (!members) return googleError(res, 403, 'forbidden', 'Not Authorized to access this resource/api');
      const size = Number(req.query.get('maxResults') ?? 200);
      const start = Number(req.query.get('pageToken') ?? 0);
      return sendJson(res, 200, {
        kind: 'admin#directory#members',
        members: members
          .slice(start, start + size)
          .map((email) => ({ kind: 'admin#directory#member', email, type: 'USER', role: 'MEMBER' })),
        ...(start + size < members.length ? { nextPageToken: String(start + size) } : {}),
      });
    }
    m = /^\/drive\/v3\/files\/([^/]+)\/permissions$/.exec(p);
    if (m) {
      const id = decodeURIComponent(m[1]);
      const onDrive = drivePermissions.get(id);
      const f = files.get(id);
      if (!onDrive && !f) return notFound(res, id);
      if (f?.permissionsUnreadable)
        return googleError(res, 403, 'insufficientFilePermissions', 'The user does not have sufficient permissions for this file.');
      const all = onDrive ?? permsOf(f!);
      const size = Number(req.query.get('pageSize') ?? 100);
      const start = Number(req.query.get('pageToken') ?? 0);
      return sendJson(res, 200, {
        kind: 'drive#permissionList',
        permissions: all.slice(start, start + size).map((x, i) => ({ kind: 'drive#permission', id: `p${start + i}`, ...x })),
        ...(start + size < all.length ? { nextPageToken: String(start + size) } : {}),
      });
    }
    m = /^\/drive\/v3\/drives\/([^/]+)$/.exec(p);
    if (m) {
      const name = drives.get(decodeURIComponent(m[1]));
      return name
        ? sendJson(res, 200, { kind: 'drive#drive', id: m[1], name })
        : googleError(res, 404, 'notFound', `Shared drive not found: ${m[1]}`);
    }
    m = /^\/drive\/v3\/files\/([^/]+)(\/export)?$/.exec(p);
    if (!m) return googleError(res, 404, 'notFound', `no route ${p}`);
    const id = decodeURIComponent(m[1]);
    const f = files.get(id);
    if (!f) return notFound(res, id);
    if (m[2]) {
      if (exportTooLarge.has(id)) return googleError(res, 403, 'exportSizeLimitExceeded', 'This file is too large to be exported.');
      const mime = req.query.get('mimeType') ?? '';
      const body = f.exports?.[mime];
      if (body === undefined) return googleError(res, 400, 'badRequest', 'The requested conversion is not supported.');
      res.writeHead(200, { 'content-type': mime });
      return res.end(body);
    }
    if (req.query.get('alt') === 'media') {
      if (!f.content)
        return googleError(
          res,
          403,
          'fileNotDownloadable',
          'Only files with binary content can be downloaded. Use Export with Docs Editors files.',
        );
      res.writeHead(200, { 'content-type': f.mimeType });
      return res.end(f.content);
    }
    sendJson(res, 200, view(f));
  }

  const server = await startFakeServer(async (req, res) => {
    await route(req, res);
  });

  const fake: FakeDrive = {
    ...server,
    rootUrl: `${server.url}/`,
    directoryRootUrl: `${server.url}/`,
    drivePermissions,
    groups,
    share(id, permissions) {
      const f = files.get(id);
      if (!f) throw new Error(`fake drive: no file ${id}`);
      files.set(id, { ...f, permissions });
      logChange(f);
    },
    files,
    drives,
    exportTooLarge,
    addDrive(id, name) {
      drives.set(id, name);
      files.set(id, { id, name, mimeType: FOLDER, parents: [], driveId: id, version: 1, modifiedTime: now() });
    },
    put(n) {
      const old = files.get(n.id);
      const f: FakeFile = { parents: [], version: (old?.version ?? 0) + 1, modifiedTime: now(), ...n };
      files.set(f.id, f);
      logChange(f);
      return f;
    },
    edit(id, patch) {
      const old = files.get(id);
      if (!old) throw new Error(`fake drive: no file ${id}`);
      const f: FakeFile = { ...old, ...patch, version: old.version + 1, modifiedTime: now() };
      files.set(id, f);
      logChange(f);
      return f;
    },
    trash(id) {
      fake.edit(id, { trashed: true });
    },
    remove(id) {
      const f = files.get(id);
      if (!f) throw new Error(`fake drive: no file ${id}`);
      files.delete(id);
      logChange(f, true);
    },
    expireTokensBefore(n, status = 404) {
      expired = { before: n, status };
    },
    fail(times, e, match = () => true) {
      injected.push({
        status: e.status,
        reason: e.reason,
        domain: e.domain ?? 'global',
        message: e.message ?? e.reason,
        match,
        left: times,
      });
    },
    stall(times, ms, match = () => true) {
      stalls.push({ left: times, ms, match });
    },
    rateLimit(times, match) {
      fake.fail(times, { status: 429, reason: 'rateLimitExceeded', domain: 'usageLimits', message: 'Rate Limit Exceeded' }, match);
    },
    requestsTo: (path) => server.requests.filter((r) => r.path === path),
  };
  return fake;
}
