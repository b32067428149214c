# syntax=docker/dockerfile:1
# Trajanus: the Slack bot and its scheduled jobs in one small image.
#   docker build -t trajanus .
#   docker run --env-file .env -p 3000:3000 -v trajanus-data:/app/data -v trajanus-backups:/app/backups trajanus
# PG_MAJOR must be >= the database server's major version: pg_dump refuses older servers' peers,
# and the backup job refuses an older pg_dump with a clear error.
ARG NODE_VERSION=20
ARG PG_MAJOR=15

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Production dependencies only; esbuild (a runtime dependency) compiles src/ into dist/ below.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG PG_MAJOR
# pg_dump/pg_restore of the server's major version, from the PostgreSQL project's own repository.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL https://www.postgresql.org/media/keys/ACCC4CF8.asc -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} tini \
 && apt-get purge -y curl gnupg && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PG_DUMP_PATH=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_dump \
    PG_RESTORE_PATH=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_restore \
    TRAJANUS_DATA_DIR=/app/data \
    BACKUP_DIR=/app/backups \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json manifest.yml ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
COPY samples/knowledge-base ./samples/knowledge-base
# Compiled once here: /app is not writable by the user the bot runs as (tsx would run src/ instead, slower to start).
RUN node bin/compiled.mjs
RUN mkdir -p /app/data /app/backups && chown -R node:node /app/data /app/backups
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tini as PID 1 forwards SIGTERM to node and reaps children (pg_dump), so `docker stop` shuts down cleanly.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/trajanus.mjs", "start"]
