import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, openDatabase } from '../../../src/core/db/index.js';

describe('openDatabase', () => {
  it('fails at once with what to fix, and without the password, when the server cannot be reached', async () => {
    const err = await openDatabase({
      DATABASE_URL: 'postgres://app:s3cret-pw@127.0.0.1:1/trajanus',
      TRAJANUS_DATA_DIR: './unused',
      DATABASE_POOL_SIZE: 1,
      DATABASE_SSL: 'disable',
      DATABASE_STATEMENT_TIMEOUT_MS: 1000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(/Cannot reach the database at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/trajanus.*Check DATABASE_URL/);
    expect((err as Error).message).not.toContain('s3cret-pw');
  });
});
