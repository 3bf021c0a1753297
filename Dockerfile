# privacy-radar as a container image: Node 24 runs the TypeScript sources directly (type stripping), so there is
# no build step — the build stage only installs the production dependencies.
#
#   docker build -t privacy-radar .
#   docker run -d --name privacy-radar --env-file .env -v privacy-radar-data:/app/data privacy-radar
#
# Both stages use the same Debian bookworm base (glibc), so the native SQLite driver built or downloaded in the
# first stage runs unchanged in the second.

# --- build: production dependencies ------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app

# sqlite3 (under @keyv/sqlite) is the one native module. Its install script downloads a prebuilt N-API binary
# and compiles from source only when none fits the platform; that fallback needs python3, make and a C++ compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

COPY package.json package-lock.json ./
# --omit=dev leaves out the devDependency `node` (the image brings Node 24) and the test and type-check tools.
RUN npm ci --omit=dev \
 && npm cache clean --force

# --- runtime -----------------------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app

# Code and dependencies belong to root and are read-only for the bot; only the data folder is writable.
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY feeds ./feeds

# The embedded store (STORE_URL=sqlite://data/privacy-radar.sqlite, relative to /app) lives in this volume.
# The folder is created here, owned by the `node` user, so a new named volume starts with that owner.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]

# The health endpoint listens on 127.0.0.1 inside the container (HEALTH_HOST's default); the check runs there too.
ENV HEALTH_PORT=8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The image's unprivileged user (uid 1000).
USER node

# SIGTERM (docker stop) lets a running poll finish its writes (up to 10 s) before the store closes, so give the
# container more than docker's default 10 s to stop: `docker stop -t 30`, or stop_grace_period in compose.
STOPSIGNAL SIGTERM
CMD ["node", "bin/privacy-radar.js", "run"]
