// `--as <email>` for ask and search: the scope that person would have in a direct message.
// Without it the CLI is an operator tool and says so by using the operator scope.
import type { Config } from '../config.js';
import { memberScope } from '../core/access/audience.js';
import { groupsOf } from '../core/access/groups.js';
import { normalizeEmail, OPERATOR_SCOPE, type AccessScope } from '../core/access/scope.js';
import type { Queryable } from '../core/db/types.js';

export async function cliScope(db: Queryable, config: Pick<Config, 'WORKSPACE_DOMAINS'>, as: string | undefined): Promise<AccessScope> {
  if (as === undefined) return OPERATOR_SCOPE;
  const email = normalizeEmail(as);
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`--as expects an email address, not "${as}"`);
  const groups = (await groupsOf(db, [email])).get(email) ?? [];
  return memberScope(email, groups, { workspaceDomains: config.WORKSPACE_DOMAINS });
}
