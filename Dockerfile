# syntax=docker/dockerfile:1
# The wallet worker for ECS Fargate (deploy/wallet-worker.yaml). Build:
#   docker build -t wallet-worker .
# Same Node major as development (package.json engines, CI).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- stage 1: production dependencies only -----------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lockfile, without devDependencies (vitest, typescript, @types).
# tsx is a production dependency: the worker runs its TypeScript directly.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- stage 2: the runtime image ----------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# TSX_DISABLE_CACHE: tsx compiles in memory instead of caching in /tmp, so the container
# runs on a read-only root filesystem (with an unwritable /tmp, tsx's cache crashes start-up).
ENV NODE_ENV=production \
    WALLET_STACK=aws \
    TSX_DISABLE_CACHE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Owned by root and not writable by the worker's user: the code cannot be changed at run time.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY scripts/worker.ts scripts/worker.ts
COPY scripts/support ./scripts/support
# The image's unprivileged "node" user (uid 1000); the task definition adds a read-only root filesystem.
USER node
# The production entry point: only the worker, against WALLET_STACK=aws, graceful on SIGTERM.
# Node directly (not npm start, not npm at all) so SIGTERM reaches the worker and not a wrapper.
CMD ["node", "--import", "tsx", "scripts/worker.ts"]
