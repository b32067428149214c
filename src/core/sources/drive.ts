// Google Drive (v3) as a document source: configured folders (recursively) and whole shared
// drives; Google Docs/Sheets/Slides are exported, other files downloaded. Incremental sync uses
// the Changes API. Retries are ours (googleapis' own are turned off) so they are bounded and testable.
import { readFileSync } from 'node:fs';
import { google, type admin_directory_v1, type drive_v3 } from 'googleapis';
import type { Config } from '../../config.js';
import { ANYONE, domainPrincipal, groupPrincipal, userPrincipal } from '../access/scope.js';
import type { GroupDirectory } from '../access/groups.js';
import { driveConfigured } from './drive-config.js';
import {
  SourceFileError,
  type FetchedFile,
  type IncrementalSource,
  type SourceAccess,
  type SourceChange,
  type SourceFile,
  type SourceGrant,
} from './types.js';
import { setTimeout as sleep } from 'node:timers/promises';

const FOLDER = 'application/vnd.google-apps.folder';
const SHORTCUT = 'application/vnd.google-apps.shortcut';
const GOOGLE_PREFIX = 'application/vnd.google-apps.';
/**
 * Google-native types we can read, and the formats they are exported as (first choice first).
 * Sheets and Slides go out as xlsx and pptx: a CSV export holds only the first tab, and a text
 * export loses which slide said what; CSV and text remain the fallback when Drive refuses.
 */
const EXPORTS: Record<string, string[]> = {
  'application/vnd.google-apps.document': ['text/markdown', 'text/plain'],
  'application/vnd.google-apps.spreadsheet': ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'text/csv'],
  'application/vnd.google-apps.presentation': ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'text/plain'],
};
const FILE_FIELDS =
  'id,name,mimeType,modifiedTime,md5Checksum,version,webViewLink,owners(emailAddress),permissions(type,role,emailAddress,domain),shortcutDetails,parents,size,driveId,trashed';
const SCOPE = 'https://www.googleapis.com/auth/drive.readonly';
const DIRECTORY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.group.member.readonly';
const PERMISSION_FIELDS = 'nextPageToken,permissions(type,role,emailAddress,domain,deleted)';

export interface RetryOptions {
  retries: number;
  baseMs: number;
  maxMs: number;
}

export interface DriveSourceOptions {
  /** A google auth client, an API key, or undefined (tests against a fake server). */
  auth?: drive_v3.Options['auth'];
  folderIds: string[];
  sharedDriveIds: string[];
  rootUrl?: string;
  retry?: Partial<RetryOptions>;
  pageSize?: number;
  /** Per request; a Drive call that hangs must not hang the whole ingest (default 60 s). */
  timeoutMs?: number;
  /**
   * Google's Directory API, for the members of groups files are shared with. Needs domain-wide
   * delegation (GOOGLE_DIRECTORY_SUBJECT); without it groups stay unresolved (fail closed).
   */
  directory?: { auth?: drive_v3.Options['auth']; rootUrl?: string };
}

type DriveFile = drive_v3.Schema$File;

/** Where a listed file sits: the configured root it was reached from, and the folder names below it. */
interface Place {
  root: string;
  folders: string[];
  /** Ids of the root and the folders below it, for folder grants and scopes. */
  folderIds: string[];
}

type DrivePermission = drive_v3.Schema$Permission;

/** A Drive permission as a principal; null for kinds that name nobody we can match (deleted accounts). */
function principalOf(p: DrivePermission): string | null {
  if (p.deleted) return null;
  if (p.type === 'anyone') return ANYONE;
  if (p.type === 'domain' && p.domain) return domainPrincipal(p.domain);
  if (p.type === 'user' && p.emailAddress) return userPrincipal(p.emailAddress);
  if (p.type === 'group' && p.emailAddress) return groupPrincipal(p.emailAddress);
  return null;
}

export class DriveSource implements IncrementalSource, GroupDirectory {
  readonly name = 'drive';
  private readonly drive: drive_v3.Drive;
  private readonly retry: RetryOptions;
  private readonly pageSize: number;
  private readonly roots: Set<string>;
  /** id → {name, parents, driveId}, for walking up from a changed file. Reset per changesSince call. */
  private parentCache = new Map<string, Promise<DriveFile | null>>();
  private readonly rootNames = new Map<string, Promise<string>>();
  /** A shared drive's own members, read once per run. */
  private drivePermissions = new Map<string, Promise<SourceGrant[] | { error: string }>>();

  constructor(private readonly opts: DriveSourceOptions) {
    this.drive = google.drive({ version: 'v3', auth: opts.auth, rootUrl: opts.rootUrl, retry: false, timeout: opts.timeoutMs ?? 60_000 });
    this.retry = { retries: 5, baseMs: 500, maxMs: 16_000, ...opts.retry };
    this.pageSize = opts.pageSize ?? 100;
    this.roots = new Set([...opts.folderIds, ...opts.sharedDriveIds]);
  }

  // ── full listing

  async *list(): AsyncIterable<SourceFile> {
    this.drivePermissions = new Map();
    // A root that is missing or not shared would list as empty, and a full sync would then delete
    // everything ingested from it: check every root before listing any, and fail the listing instead.
    for (const id of this.opts.folderIds) this.rootNames.set(id, Promise.resolve(await this.checkFolderRoot(id)));
    for (const id of this.opts.sharedDriveIds) this.rootNames.set(id, Promise.resolve(await this.checkSharedDriveRoot(id)));
    const visited = new Set<string>();
    const yielded = new Set<string>();
    for (const id of this.opts.folderIds) yield* this.walk(id, undefined, visited, yielded);
    for (const id of this.opts.sharedDriveIds) yield* this.walk(id, id, visited, yielded);
  }

  private async *walk(rootId: string, driveId: string | undefined, visited: Set<string>, yielded: Set<string>): AsyncGenerator<SourceFile> {
    const stack: { id: string; place: Place }[] = [
      { id: rootId, place: { root: await this.rootName(rootId), folders: [], folderIds: [rootId] } },
    ];
    while (stack.length) {
      const { id, place } = stack.pop()!;
      if (visited.has(id)) continue;
      visited.add(id);
      for await (const f of this.children(id, driveId)) {
        const target = f.mimeType === SHORTCUT ? await this.resolveShortcut(f) : f;
        if (!target) continue;
        if (target.mimeType === FOLDER)
          stack.push({
            id: target.id!,
            place: { root: place.root, folders: [...place.folders, f.name ?? f.id!], folderIds: [...place.folderIds, target.id!] },
          });
        else if (!yielded.has(f.id!)) {
          yielded.add(f.id!);
          yield await this.withAccess(this.toSourceFile(f, place, target), target);
        }
      }
    }
  }

  private async *children(folderId: string, driveId: string | undefined): AsyncGenerator<DriveFile> {
    let pageToken: string | undefined;
    do {
      const res = await this.call(() =>
        this.drive.files.list({
          q: `'${folderId.replace(/'/g, "\\'")}' in parents and trashed=false`,
          pageSize: this.pageSize,
          pageToken,
          fields: `nextPageToken,files(${FILE_FIELDS})`,
          supportsAllDrives: true,
          includeItemsFromAllDrives: true,
          ...(driveId ? { corpora: 'drive', driveId } : {}),
        }),
      );
      yield* res.data.files ?? [];
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
  }

  /** The shortcut's target (with the shortcut's place), or null when it is gone or trashed. */
  private async resolveShortcut(f: DriveFile): Promise<DriveFile | null> {
    const targetId = f.shortcutDetails?.targetId;
    if (!targetId) return null;
    const target = await this.getFile(targetId, FILE_FIELDS);
    return target && !target.trashed ? target : null;
  }

  /**
   * A file keeps its own id; a shortcut is a document of its own (id = the shortcut's, content =
   * the target's), so removing the shortcut removes the document and the target's own fate does not.
   */
  private toSourceFile(entry: DriveFile, place: Place, f: DriveFile = entry): SourceFile {
    const original = f.mimeType ?? 'application/octet-stream';
    return {
      fileId: `drive:${entry.id}`,
      title: entry.name ?? f.name ?? entry.id!,
      // What the file will be fetched as, so the pipeline can tell readable from unreadable without
      // a download; the Drive type itself is metadata.mimeType.
      mimeType: EXPORTS[original]?.[0] ?? original,
      path: [place.root, ...place.folders, entry.name ?? f.name ?? entry.id].join('/'),
      url: f.webViewLink ?? undefined,
      modifiedAt: f.modifiedTime ? new Date(f.modifiedTime) : undefined,
      version: f.version ? `${f.version}` : (f.md5Checksum ?? undefined),
      category: place.folders[0]?.toLowerCase(),
      metadata: {
        driveId: f.driveId ?? null,
        owners: (f.owners ?? []).map((o) => o.emailAddress).filter(Boolean),
        mimeType: original,
        // Bytes of a stored file (none for Google Docs, which are exported): checked against INGEST_MAX_FILE_MB before the download.
        ...(f.size ? { size: Number(f.size) } : {}),
        parents: entry.parents ?? [],
        folderIds: place.folderIds,
        ...(entry !== f ? { shortcutTargetId: f.id } : {}),
      },
    };
  }

  // ── content

  async fetch(file: SourceFile): Promise<FetchedFile> {
    const id = String(file.metadata.shortcutTargetId ?? file.fileId.replace(/^drive:/, ''));
    const mimeType = String(file.metadata.mimeType ?? file.mimeType);
    try {
      if (!mimeType.startsWith(GOOGLE_PREFIX)) {
        const res = await this.call(() =>
          this.drive.files.get({ fileId: id, alt: 'media', supportsAllDrives: true }, { responseType: 'arraybuffer' }),
        );
        return { data: Buffer.from(res.data as unknown as ArrayBuffer), mimeType };
      }
      const formats = EXPORTS[mimeType];
      if (!formats) throw new SourceFileError(file.fileId, `Google file type ${mimeType} is not exported`, 'unsupported');
      for (const [i, format] of formats.entries()) {
        try {
          const res = await this.call(() => this.drive.files.export({ fileId: id, mimeType: format }, { responseType: 'arraybuffer' }));
          return { data: Buffer.from(res.data as unknown as ArrayBuffer), mimeType: format };
        } catch (e) {
          if (i < formats.length - 1 && statusOf(e) === 400) continue; // format not offered: try the next
          throw e;
        }
      }
      throw new Error('unreachable');
    } catch (e) {
      throw toFileError(file.fileId, e);
    }
  }

  // ── changes

  async startCursor(): Promise<string> {
    const tokens: Record<string, string> = {};
    if (this.opts.folderIds.length) tokens[''] = await this.startToken(undefined);
    for (const d of this.opts.sharedDriveIds) tokens[d] = await this.startToken(d);
    return JSON.stringify(tokens);
  }

  private async startToken(driveId: string | undefined): Promise<string> {
    const res = await this.call(() => this.drive.changes.getStartPageToken({ supportsAllDrives: true, ...(driveId ? { driveId } : {}) }));
    if (!res.data.startPageToken) throw new Error('Drive returned no start page token');
    return res.data.startPageToken;
  }

  async changesSince(cursor: string): Promise<{ changes: SourceChange[]; nextCursor: string } | null> {
    let tokens: Record<string, string>;
    try {
      tokens = JSON.parse(cursor);
    } catch {
      return null;
    }
    // A cursor taken under another configuration: a full sync adds new roots and drops removed ones.
    const wanted = [...(this.opts.folderIds.length ? [''] : []), ...this.opts.sharedDriveIds];
    if (
      !tokens ||
      typeof tokens !== 'object' ||
      Object.keys(tokens).length !== wanted.length ||
      !wanted.every((k) => typeof tokens[k] === 'string')
    )
      return null;
    this.parentCache = new Map();
    this.drivePermissions = new Map();
    const byFile = new Map<string, SourceChange>();
    const next: Record<string, string> = {};
    for (const key of wanted) {
      const r = await this.changesOf(key || undefined, tokens[key]);
      if (!r) return null;
      for (const c of r.changes) {
        const id = c.kind === 'delete' ? c.fileId : c.file.fileId;
        byFile.delete(id); // keep the latest change of a file, in order
        byFile.set(id, c);
      }
      next[key] = r.nextToken;
    }
    return { changes: [...byFile.values()], nextCursor: JSON.stringify(next) };
  }

  private async changesOf(driveId: string | undefined, token: string): Promise<{ changes: SourceChange[]; nextToken: string } | null> {
    const changes: SourceChange[] = [];
    let pageToken: string | undefined = token;
    for (;;) {
      let data: drive_v3.Schema$ChangeList;
      try {
        data = (
          await this.call(() =>
            this.drive.changes.list({
              pageToken,
              pageSize: this.pageSize,
              includeRemoved: true,
              supportsAllDrives: true,
              includeItemsFromAllDrives: true,
              ...(driveId ? { driveId } : {}),
              fields: `nextPageToken,newStartPageToken,changes(fileId,removed,changeType,file(${FILE_FIELDS}))`,
            }),
          )
        ).data;
      } catch (e) {
        const status = statusOf(e);
        if (status === 400 || status === 404 || status === 410) return null; // expired or invalid token
        throw e;
      }
      for (const c of data.changes ?? []) {
        const change = await this.toChange(c);
        if (change) changes.push(change);
      }
      if (data.newStartPageToken) return { changes, nextToken: data.newStartPageToken };
      if (!data.nextPageToken) throw new Error('Drive changes.list returned neither nextPageToken nor newStartPageToken');
      pageToken = data.nextPageToken;
    }
  }

  private async toChange(c: drive_v3.Schema$Change): Promise<SourceChange | null> {
    if (c.changeType && c.changeType !== 'file') return null; // shared-drive metadata changes
    const f = c.file;
    const fileId = `drive:${c.fileId ?? f?.id}`;
    if (c.removed || !f || f.trashed) return { kind: 'delete', fileId };
    if (f.mimeType === FOLDER) return null; // a folder's own changes carry no content
    const place = await this.placeOf(f);
    if (f.mimeType === SHORTCUT) {
      const target = place && (await this.resolveShortcut(f));
      if (target?.mimeType === FOLDER) return null; // its files are picked up by the next full sync
      return place && target
        ? { kind: 'upsert', file: await this.withAccess(this.toSourceFile(f, place, target), target) }
        : { kind: 'delete', fileId };
    }
    // Outside every configured root (or moved out of one): make sure it is not kept.
    return place ? { kind: 'upsert', file: await this.withAccess(this.toSourceFile(f, place), f) } : { kind: 'delete', fileId };
  }

  /** Walks up the parents to a configured root; null when the file lies under none. */
  private async placeOf(f: DriveFile): Promise<Place | null> {
    const folders: string[] = [];
    const folderIds: string[] = [];
    const seen = new Set<string>();
    let parentId = f.parents?.[0];
    while (parentId && !seen.has(parentId)) {
      seen.add(parentId);
      if (this.roots.has(parentId))
        return { root: await this.rootName(parentId), folders: folders.reverse(), folderIds: [parentId, ...folderIds.reverse()] };
      const parent = await this.cachedParent(parentId);
      if (!parent || parent.trashed) return null;
      folders.push(parent.name ?? parentId);
      folderIds.push(parentId);
      parentId = parent.parents?.[0];
    }
    return null;
  }

  private cachedParent(id: string): Promise<DriveFile | null> {
    let p = this.parentCache.get(id);
    if (!p) this.parentCache.set(id, (p = this.getFile(id, 'id,name,parents,driveId,trashed')));
    return p;
  }

  // ── permissions

  /**
   * Who may open the file. The listing carries `permissions` only for a caller who may share the
   * file, and never for shared-drive files: then permissions.list is asked, and a shared drive's
   * own members are added. Unreadable permissions make the document visible to nobody.
   */
  private async withAccess(file: SourceFile, f: DriveFile): Promise<SourceFile> {
    return { ...file, access: await this.accessOf(f) };
  }

  private async accessOf(f: DriveFile): Promise<SourceAccess> {
    const own = f.permissions?.length && !f.driveId ? f.permissions : await this.listPermissions(f.id!);
    if ('error' in own) return own;
    const grants: SourceGrant[] = [];
    for (const p of own) {
      const principal = principalOf(p);
      if (principal) grants.push({ principal, role: p.role ?? undefined, via: 'file' });
    }
    if (f.driveId) {
      let members = this.drivePermissions.get(f.driveId);
      if (!members) {
        this.drivePermissions.set(
          f.driveId,
          (members = this.listPermissions(f.driveId).then((ps) =>
            'error' in ps
              ? ps
              : ps.flatMap((p) => {
                  const principal = principalOf(p);
                  return principal ? [{ principal, role: p.role ?? undefined, via: 'drive' as const }] : [];
                }),
          )),
        );
      }
      const m = await members;
      if ('error' in m) return { error: `shared drive ${f.driveId} members: ${m.error}` };
      grants.push(...m);
    }
    return { grants };
  }

  private async listPermissions(fileId: string): Promise<DrivePermission[] | { error: string }> {
    const all: DrivePermission[] = [];
    let pageToken: string | undefined;
    try {
      do {
        const res = await this.call(() =>
          this.drive.permissions.list({ fileId, supportsAllDrives: true, fields: PERMISSION_FIELDS, pageSize: 100, pageToken }),
        );
        all.push(...(res.data.permissions ?? []));
        pageToken = res.data.nextPageToken ?? undefined;
      } while (pageToken);
      return all;
    } catch (e) {
      const status = statusOf(e);
      if (status === 403 || status === 404 || status === 401)
        return {
          error: `permissions.list ${status} ${reasonOf(e) ?? ''}`.trim() + `: ${this.accountName()} may not read this file's sharing`,
        };
      throw e;
    }
  }

  /** The members (and members of nested groups) of a Google group, through the Directory API. */
  async groupMembers(groupEmail: string): Promise<string[]> {
    if (!this.opts.directory)
      throw new Error(
        'the Directory API is not configured: set GOOGLE_DIRECTORY_SUBJECT (an admin the service account may impersonate with domain-wide delegation)',
      );
    const admin: admin_directory_v1.Admin = google.admin({
      version: 'directory_v1',
      auth: this.opts.directory.auth as admin_directory_v1.Options['auth'],
      rootUrl: this.opts.directory.rootUrl,
      retry: false,
      timeout: this.opts.timeoutMs ?? 60_000,
    });
    const members: string[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.call(() =>
        admin.members.list({ groupKey: groupEmail, includeDerivedMembership: true, maxResults: 200, pageToken }),
      );
      for (const m of res.data.members ?? []) if (m.email && (m.type ?? 'USER') === 'USER') members.push(m.email);
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    return members;
  }

  // ── roots

  /** Who Drive sees: the service account's email when the auth client has one. */
  private accountName(): string {
    const email = (this.opts.auth as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' && email ? `the service account ${email}` : 'the account Trajanus uses';
  }

  /** The configured folder's name; throws when it is gone or unshared (404), trashed, or not a folder. */
  private async checkFolderRoot(id: string): Promise<string> {
    const f = await this.getFile(id, 'id,name,mimeType,trashed');
    if (!f)
      throw new Error(
        `Drive folder ${id} was not found or is not shared with ${this.accountName()}: check DRIVE_FOLDER_IDS and the folder's sharing`,
      );
    if (f.trashed) throw new Error(`Drive folder ${id} ("${f.name}") is in the trash: restore it, or remove it from DRIVE_FOLDER_IDS`);
    if (f.mimeType !== FOLDER) throw new Error(`Drive folder ${id} ("${f.name}") is not a folder (${f.mimeType}): check DRIVE_FOLDER_IDS`);
    return f.name ?? id;
  }

  /** The configured shared drive's name; throws when it is not found (404: gone, or the account is not a member). */
  private async checkSharedDriveRoot(id: string): Promise<string> {
    try {
      return (await this.call(() => this.drive.drives.get({ driveId: id, fields: 'id,name' }))).data.name ?? id;
    } catch (e) {
      if (statusOf(e) === 404)
        throw new Error(
          `Shared drive ${id} was not found or ${this.accountName()} is not a member of it: check DRIVE_SHARED_DRIVE_IDS and the shared drive's members`,
        );
      throw e;
    }
  }

  // ── plumbing

  /** The name shown as the first path segment: the shared drive's or the configured folder's. */
  private rootName(id: string): Promise<string> {
    let p = this.rootNames.get(id);
    if (!p) {
      p = this.opts.sharedDriveIds.includes(id)
        ? this.call(() => this.drive.drives.get({ driveId: id, fields: 'id,name' })).then((r) => r.data.name ?? id)
        : this.getFile(id, 'id,name').then((f) => f?.name ?? id);
      this.rootNames.set(id, p);
    }
    return p;
  }

  /** files.get, or null when the file is gone (404). */
  private async getFile(id: string, fields: string): Promise<DriveFile | null> {
    try {
      return (await this.call(() => this.drive.files.get({ fileId: id, fields, supportsAllDrives: true }))).data;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  /** Runs one API call, retrying rate limits and server errors with full-jitter exponential backoff. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (attempt >= this.retry.retries || !isRetryable(e)) throw e;
        const cap = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** attempt);
        await sleep(Math.random() * cap);
      }
    }
  }
}

// ── errors

export function statusOf(e: unknown): number | undefined {
  const err = e as { status?: unknown; response?: { status?: unknown } };
  const s = err?.status ?? err?.response?.status;
  return typeof s === 'number' ? s : undefined;
}

/** The first `reason` of a Google error body, whatever form the body arrived in (JSON, text, bytes). */
export function reasonOf(e: unknown): string | undefined {
  let data = (e as { response?: { data?: unknown } })?.response?.data;
  try {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) data = Buffer.from(data as ArrayBuffer).toString('utf8');
    if (typeof data === 'string') data = JSON.parse(data);
  } catch {
    return undefined;
  }
  const reason = (data as { error?: { errors?: { reason?: unknown }[] } })?.error?.errors?.[0]?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

const TRANSIENT_NETWORK = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function isRetryable(e: unknown): boolean {
  const status = statusOf(e);
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if (status === undefined) {
    // No HTTP answer at all: a timeout or a dropped connection is worth another try.
    const err = e as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } };
    if (TRANSIENT_NETWORK.has(String(err?.code)) || TRANSIENT_NETWORK.has(String(err?.cause?.code))) return true;
    if (err?.name === 'AbortError' || err?.name === 'TimeoutError' || /timed? ?out|aborted/i.test(String(err?.message ?? ''))) return true;
  }
  return status === 403 && ['rateLimitExceeded', 'userRateLimitExceeded'].includes(reasonOf(e) ?? '');
}

function toFileError(fileId: string, e: unknown): Error {
  if (e instanceof SourceFileError) return e;
  const status = statusOf(e);
  const reason = reasonOf(e);
  if (status === 403 && reason === 'exportSizeLimitExceeded')
    return new SourceFileError(fileId, 'file is too large for Drive to export', 'too-large');
  if (status === 404) return new SourceFileError(fileId, 'file not found (deleted, or access lost)', 'unavailable');
  const message = e instanceof Error ? e.message : String(e);
  return new SourceFileError(fileId, `Drive: ${status ?? ''} ${reason ?? ''} ${message}`.replace(/\s+/g, ' ').trim(), 'other');
}

// ── construction from configuration

/** Service account (GOOGLE_SERVICE_ACCOUNT_JSON: the JSON or a path to it), else OAuth refresh token, else none. */
export function driveAuthFromConfig(config: Config): DriveSourceOptions['auth'] {
  const sa = config.GOOGLE_SERVICE_ACCOUNT_JSON?.trim();
  if (sa) {
    const credentials = JSON.parse(sa.startsWith('{') ? sa : readFileSync(sa, 'utf8'));
    return new google.auth.JWT({ email: credentials.client_email, key: credentials.private_key, scopes: [SCOPE] });
  }
  const { GOOGLE_OAUTH_CLIENT_ID: id, GOOGLE_OAUTH_CLIENT_SECRET: secret, GOOGLE_OAUTH_REFRESH_TOKEN: refresh } = config;
  if (id && secret && refresh) {
    const client = new google.auth.OAuth2(id, secret);
    client.setCredentials({ refresh_token: refresh });
    return client;
  }
  return undefined;
}

export { driveConfigured };

export function driveSourceFromConfig(config: Config): DriveSource {
  if (!driveConfigured(config)) throw new Error('Drive: set DRIVE_FOLDER_IDS and/or DRIVE_SHARED_DRIVE_IDS');
  const auth = driveAuthFromConfig(config);
  if (!auth && !config.DRIVE_ROOT_URL)
    throw new Error(
      'Drive: set GOOGLE_SERVICE_ACCOUNT_JSON, or GOOGLE_OAUTH_CLIENT_ID, GOOGLE_OAUTH_CLIENT_SECRET and GOOGLE_OAUTH_REFRESH_TOKEN',
    );
  return new DriveSource({
    auth,
    folderIds: config.DRIVE_FOLDER_IDS,
    sharedDriveIds: config.DRIVE_SHARED_DRIVE_IDS,
    rootUrl: config.DRIVE_ROOT_URL,
    directory: directoryFromConfig(config),
  });
}

/** Domain-wide delegation for the Directory API: the service account acting as GOOGLE_DIRECTORY_SUBJECT. */
function directoryFromConfig(config: Config): DriveSourceOptions['directory'] {
  const sa = config.GOOGLE_SERVICE_ACCOUNT_JSON?.trim();
  if (config.GOOGLE_DIRECTORY_SUBJECT && sa) {
    const credentials = JSON.parse(sa.startsWith('{') ? sa : readFileSync(sa, 'utf8'));
    return {
      auth: new google.auth.JWT({
        email: credentials.client_email,
        key: credentials.private_key,
        scopes: [DIRECTORY_SCOPE],
        subject: config.GOOGLE_DIRECTORY_SUBJECT,
      }),
      rootUrl: config.GOOGLE_DIRECTORY_ROOT_URL,
    };
  }
  return config.GOOGLE_DIRECTORY_ROOT_URL ? { rootUrl: config.GOOGLE_DIRECTORY_ROOT_URL } : undefined;
}
