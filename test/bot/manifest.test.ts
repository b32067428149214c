// The manifest must subscribe to what the listeners handle and grant the scopes they need.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const manifest = readFileSync(resolve(import.meta.dirname, '../../manifest.yml'), 'utf8');
const listItems = (key: string) => {
  const m = new RegExp(`\\n(\\s*)${key}:\\n((?:\\1\\s+- .*\\n)+)`).exec(manifest);
  return m
    ? m[2]
        .split('\n')
        .map((l) => l.trim().replace(/^- /, ''))
        .filter(Boolean)
    : [];
};

it('manifest: command, scopes, events, interactivity, home, assistant', () => {
  expect(manifest).toMatch(/name: Trajanus/);
  expect(manifest).toMatch(/- command: \/trajanus\n\s+url: https:\/\/YOUR-HOST\/slack\/events/);
  expect(listItems('bot').sort()).toEqual(
    [
      'app_mentions:read',
      'assistant:write',
      'channels:history',
      'chat:write',
      'commands',
      'groups:history',
      'im:history',
      'im:read',
      'im:write',
      'reactions:write',
    ].sort(),
  );
  expect(listItems('bot_events').sort()).toEqual(
    [
      'app_home_opened',
      'app_mention',
      'assistant_thread_context_changed',
      'assistant_thread_started',
      'message.channels',
      'message.groups',
      'message.im',
    ].sort(),
  );
  expect(manifest).toMatch(/interactivity:\n\s+is_enabled: true\n\s+request_url: https:\/\/YOUR-HOST\/slack\/events/);
  expect(manifest).toMatch(/home_tab_enabled: true/);
  expect(manifest).toMatch(/messages_tab_enabled: true/);
  expect(manifest).toMatch(/assistant_view:/);
  expect(manifest).toMatch(/socket_mode_enabled: false/);
});
