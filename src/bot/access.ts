// Slack facts for the access rule: who asked (users.info → email), where (conversations.info:
// DM, public, private, Slack Connect) and, for a private channel, who else reads it
// (conversations.members + users.info). Cached with a TTL; a channel's members are forgotten when
// someone joins or leaves. Any lookup that fails makes the scope narrower, never wider.
import type { webApi } from '@slack/bolt';
import { audienceScope, type AccessPolicy, type Conversation, type Identity } from '../core/access/audience.js';
import { groupsOf } from '../core/access/groups.js';
import { normalizeEmail, type AccessScope } from '../core/access/scope.js';
import type { Queryable } from '../core/db/types.js';
import type { Logger } from '../core/log.js';

export interface SlackAccessOptions {
  policy: AccessPolicy;
  /** Cache lifetime of emails and channel facts (ACCESS_IDENTITY_TTL_SECONDS). */
  ttlMs: number;
  /** ACCESS_PRIVATE_CHANNEL_MAX_MEMBERS: above it a private channel is answered as a public one. */
  maxMembers: number;
  /** The bot's own ids when start-up has read them (auth.test); otherwise asked once on first use. */
  self?: { teamId?: string; botUserId?: string };
  logger?: Logger;
}

class TtlCache<V> {
  private readonly items = new Map<string, { value: Promise<V>; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.items.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = load();
    this.items.set(key, { value, until: Date.now() + this.ttlMs });
    // A failed lookup is not cached: the next question asks again.
    value.catch(() => this.items.delete(key));
    if (this.items.size > this.max) this.items.delete(this.items.keys().next().value!);
    return value;
  }
  delete(key: string): void {
    this.items.delete(key);
  }
}

export interface ChannelFacts {
  kind: 'im' | 'public' | 'private' | 'shared';
  name?: string;
}

const errorCode = (e: unknown) => (e as { data?: { error?: string } })?.data?.error ?? (e instanceof Error ? e.message : String(e));

export class SlackAccess {
  private readonly people: TtlCache<Identity>;
  private readonly channels: TtlCache<ChannelFacts>;
  private readonly members: TtlCache<string[] | undefined>;
  private self?: Promise<{ teamId?: string; botUserId?: string }>;
  /** What was last written to access_channels per channel: unchanged facts are not written again. */
  private readonly remembered = new Map<string, string>();
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly db: Queryable,
    private readonly opts: SlackAccessOptions,
  ) {
    this.people = new TtlCache(opts.ttlMs);
    this.channels = new TtlCache(opts.ttlMs);
    this.members = new TtlCache(opts.ttlMs);
    if (opts.self) this.self = Promise.resolve(opts.self);
  }

  /**
   * The scope of an answer to `userId`, shown in `channel` (or to the asker alone). Everything
   * that cannot be read narrows it: an unknown asker gets workspace-wide documents only, an
   * unknown channel is treated as shared with other organisations (documents shared with anyone).
   */
  async scope(q: { userId?: string; channel?: string; visibleTo?: 'asker' | 'channel' }): Promise<AccessScope> {
    const asker = q.userId ? await this.identity(q.userId) : { kind: 'unknown' as const };
    if (q.visibleTo === 'asker' || !q.channel) return audienceScope(asker, { kind: 'private-to-asker' }, this.opts.policy);
    return audienceScope(asker, await this.conversation(q.channel), this.opts.policy);
  }

  /** The scope of an answer to a person known by identity (the CLI's `--as … --channel …`), shown in `channel`. */
  async scopeOf(asker: Identity, channel: string): Promise<AccessScope> {
    return audienceScope(asker, await this.conversation(channel), this.opts.policy);
  }

  /** What kind of conversation a channel is, and its name (for the default scope); undefined when Slack will not say. */
  async channelFacts(channel: string): Promise<ChannelFacts | undefined> {
    return this.channels.get(channel, () => this.readChannel(channel)).catch(() => undefined);
  }

  /** Waits for the channel facts still being written (a CLI run ends right after its answer). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  /** A member joined or left: the next question in the channel reads its members again. */
  forgetMembers(channel: string): void {
    this.members.delete(channel);
  }

  async identity(userId: string): Promise<Identity> {
    return this.people
      .get(userId, () => this.readIdentity(userId))
      .catch((e): Identity => {
        this.opts.logger?.warn({ user: userId, err: errorCode(e) }, 'users.info failed: answering from workspace-wide documents only');
        return { kind: 'unknown' };
      });
  }

  private async readIdentity(userId: string): Promise<Identity> {
    const r = await this.client.users.info({ user: userId });
    const u = r.user as (typeof r.user & { is_restricted?: boolean; is_ultra_restricted?: boolean; is_stranger?: boolean }) | undefined;
    if (!u || u.deleted) return { kind: 'unknown' };
    if (u.is_bot || u.id === 'USLACKBOT') return { kind: 'bot' };
    const email = u.profile?.email ? normalizeEmail(u.profile.email) : undefined;
    if (!email) return { kind: 'unknown' }; // users:read.email missing, or a profile without one
    if (u.is_restricted || u.is_ultra_restricted) return { kind: 'guest', email };
    const { teamId } = await this.whoAmI();
    const external = u.is_stranger || (teamId && u.team_id && u.team_id !== teamId);
    const groups = (await groupsOf(this.db, [email])).get(email) ?? [];
    return { kind: external ? 'external' : 'member', email, groups };
  }

  private async conversation(channel: string): Promise<Conversation> {
    let facts: ChannelFacts;
    try {
      facts = await this.channels.get(channel, () => this.readChannel(channel));
    } catch (e) {
      this.opts.logger?.warn({ channel, err: errorCode(e) }, 'conversations.info failed: answering from documents shared with anyone only');
      return { kind: 'shared', id: channel };
    }
    if (facts.kind === 'im') return { kind: 'private-to-asker' };
    if (facts.kind !== 'private') {
      this.remember(channel, facts, undefined);
      return { kind: facts.kind, id: channel, name: facts.name };
    }
    const ids = await this.members
      .get(channel, () => this.readMembers(channel))
      .catch((e) => {
        this.opts.logger?.warn({ channel, err: errorCode(e) }, 'conversations.members failed: answering as in a public channel');
        return undefined;
      });
    if (!ids) {
      this.remember(channel, facts, undefined);
      return { kind: 'private', id: channel, name: facts.name };
    }
    const { botUserId } = await this.whoAmI();
    const members = await Promise.all(ids.filter((id) => id !== botUserId).map((id) => this.identity(id)));
    this.remember(channel, facts, members);
    return { kind: 'private', id: channel, name: facts.name, members };
  }

  /**
   * Keeps what was last read of a channel in access_channels, so `trajanus ask --as … --channel …`
   * can answer as here without Slack credentials. Best effort: answering never waits on it.
   */
  private remember(channel: string, facts: ChannelFacts, members: Identity[] | undefined): void {
    const people = members?.map((m) => ({ kind: m.kind, ...(m.email ? { email: m.email } : {}) }));
    const key = JSON.stringify([facts, people]);
    if (this.remembered.get(channel) === key) return;
    this.remembered.set(channel, key);
    if (this.remembered.size > 10_000) this.remembered.delete(this.remembered.keys().next().value!);
    const write = this.db
      .query(
        `INSERT INTO access_channels (channel_id, kind, name, members, refreshed_at) VALUES ($1, $2, $3, $4::jsonb, now())
         ON CONFLICT (channel_id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, members = EXCLUDED.members, refreshed_at = now()`,
        [channel, facts.kind, facts.name ?? null, people ? JSON.stringify(people) : null],
      )
      .catch((err: unknown) => {
        this.remembered.delete(channel);
        this.opts.logger?.warn({ err, channel }, 'could not cache the channel facts for the CLI');
      })
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  private async readChannel(channel: string): Promise<ChannelFacts> {
    const r = await this.client.conversations.info({ channel });
    const c = r.channel as (typeof r.channel & { is_ext_shared?: boolean; is_pending_ext_shared?: boolean; is_mpim?: boolean }) | undefined;
    if (!c) throw new Error('conversations.info returned no channel');
    if (c.is_im) return { kind: 'im' };
    if (c.is_ext_shared || c.is_pending_ext_shared) return { kind: 'shared', name: c.name };
    if (c.is_private || c.is_group || c.is_mpim) return { kind: 'private', name: c.name };
    return { kind: 'public', name: c.name };
  }

  /** Member ids, or undefined when the channel has more members than the limit (the public rule then). */
  private async readMembers(channel: string): Promise<string[] | undefined> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await this.client.conversations.members({ channel, limit: 200, cursor });
      ids.push(...(r.members ?? []));
      if (ids.length > this.opts.maxMembers + 1) return undefined; // +1: the bot itself is a member
      cursor = r.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return ids;
  }

  private whoAmI(): Promise<{ teamId?: string; botUserId?: string }> {
    this.self ??= this.client.auth.test().then(
      (r) => ({ teamId: r.team_id, botUserId: r.user_id }),
      () => ({}),
    );
    return this.self;
  }
}
