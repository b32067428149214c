// App Home: publish the knowledge-base figures each time the Home tab is opened.
import type { App } from '@slack/bolt';
import { homeView } from '../../blocks/home.js';
import type { BotContext } from '../../context.js';
import { homeStats } from '../../home-stats.js';
import { listGrants } from '../../../core/access/grants.js';

export function registerAppHome(app: App, ctx: BotContext): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab && event.tab !== 'home') return;
    try {
      // The Home tab is the user's own: it counts what they may open.
      const access = await ctx.access.scope({ userId: event.user, visibleTo: 'asker' });
      // Admins also see every channel's grants (who granted what, when): they are the ones who change them.
      const grants = ctx.config.SLACK_ADMIN_USER_IDS.includes(event.user) ? await listGrants(ctx.db) : undefined;
      await client.views.publish({ user_id: event.user, view: homeView(await homeStats(ctx.db, access), { grants }) });
    } catch (err) {
      ctx.logger.error({ err, user: event.user }, 'app_home_opened: could not publish the Home tab');
    }
  });
}
