# syntax=docker/dockerfile:1
# The wallet worker for ECS Fargate (deploy/wallet-worker.yaml). Build:
#   docker build -t wallet-worker .
# Node 24: the active LTS line (the AWS SDK drops Node 20 in 2027).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- stage 1: production dependencies only -----------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lockfile, without devDependencies: no compiler, no test tools, no local emulators
# (DynamoDB Local, fauxqs, dynamodb-admin), no tsx.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- stage 2: compile the worker to JavaScript -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Every dependency for tsc; install scripts skipped (DynamoDB Local's are for local runs only).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/worker.ts scripts/worker.ts
COPY scripts/support ./scripts/support
RUN npm run build

# --- stage 3: the runtime image ----------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# WALLET_METRICS_PORT turns on the worker's ops server (/healthz, /readyz) for the health checks below
# and in the task definition (deploy/container-health.ts).
ENV NODE_ENV=production \
    WALLET_STACK=aws \
    WALLET_METRICS_PORT=9464 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Owned by root and not writable by the worker's user: the code cannot be changed at run time.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# "type": "module": dist/ is ESM.
COPY package.json ./
# The image's unprivileged "node" user (uid 1000); the task definition adds a read-only root filesystem.
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.WALLET_METRICS_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The production entry point: only the worker, against WALLET_STACK=aws, graceful on SIGTERM.
# Node directly (not npm start, not npm at all) so SIGTERM reaches the worker and not a wrapper.
CMD ["node", "--enable-source-maps", "dist/scripts/worker.js"]
