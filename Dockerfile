# syntax=docker/dockerfile:1
# Andy: multi-stage image. Build stage: all dependencies (better-sqlite3 compiles here), `prepare` builds
# dist/, then dev dependencies are pruned. Runtime stage: Node 20 slim, compiled code only, non-root.
#   docker build -t andy .
#   docker run -d --name andy --env-file .env -e HTTP_PORT=3000 -p 127.0.0.1:3000:3000 -v andy-data:/app/data andy
# See docs/deploy.md.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Toolchain for better-sqlite3 when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm prune --omit=dev --no-audit --no-fund \
  && test -f dist/main.js

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/drizzle ./drizzle
COPY --from=build /app/deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# data/: the shipped taxonomy, prompts and demo data, plus the database, exports and an imported taxonomy.
# A new named volume starts as a copy of it; it must be writable by the `node` user (uid 1000).
COPY --from=build --chown=node:node /app/data ./data
USER node
VOLUME ["/app/data"]
# Without HTTP_PORT there is no HTTP to ask and the check passes (deploy/healthcheck.mjs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "deploy/healthcheck.mjs"]
# `docker stop` sends SIGTERM: Andy stops taking messages and finishes running ones (ANDY_SHUTDOWN_GRACE_MS).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/andy.js"]
CMD ["start"]
