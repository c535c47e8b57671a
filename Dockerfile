# syntax=docker/dockerfile:1
#
# The Thespian image: one instance per container, configured by env (PORT, SERVICE_NAME,
# CONFIG_JSON or CONFIG_FILE, OTEL_BACKEND_ADDRESS, LOKI_ADDRESS, ...).
#
#   docker build -t thespian:local .
#   docker run --rm -p 6379:6379 -e CONFIG_FILE=standalone thespian:local
#
# The entrypoint is the `thespian` CLI, so the same image also drives traffic or probes:
#   docker run --rm --network thespian thespian:local poke SERVICE:6379 A
#
# Two stages: the first compiles TypeScript with the dev dependencies, the second holds only
# production dependencies, the compiled output, the proto and the example configs. No compiler
# or build tool reaches the final image.

# Node 22 LTS: the OpenTelemetry 0.300 / 3.x packages declare node >= 22.15 in their engines, and
# so does package.json: 22 is the supported floor, and the Node that CI tests (.ci/run pins a 22.x;
# test/config/supported-node.test.ts fails if this image and that pin name different majors).
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: dev dependencies + tsc -------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so that editing sources does not re-download them.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The whole context (minus .dockerignore) so that new build inputs need no change here.
COPY . .
RUN npm run build

# --- runtime: production dependencies only --------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="thespian" \
      org.opencontainers.image.description="An instrumented gRPC service that acts out configured behaviour and emits OpenTelemetry traces and logs" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.documentation="README.md and instrumentation/README.md in the source tree"

# V8 sizes each half of the young generation (the semi-space) for a big server: after start-up
# it had grown to 16 MB and stayed there, idle. Capped at 2 MB, an idle instance holds about
# 12 MB less RSS (93 instead of 105 MB, bench/scale.ts; 1 MB saves 14 MB). At a high request rate
# the young generation is collected more often: under h2load the rate was 0.67-1.04x and the CPU
# per request 1.0-1.5x the uncapped instance's (a shared, loaded machine; docs/deploy.md, "Memory").
# A simulated system of many services is bound by memory long before any one service's rate.
# Every rendered target (compose, Kubernetes, ECS) runs this image and so inherits the setting;
# set NODE_OPTIONS yourself to replace it.
ENV NODE_ENV=production \
    PORT=6379 \
    NODE_OPTIONS="--max-semi-space-size=2"
WORKDIR /app

# --omit=dev leaves tsc, tsx, just and the test tooling out; --ignore-scripts because no
# production dependency needs an install script to work, and skipping them keeps builds
# reproducible.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY proto ./proto
COPY example_configs ./example_configs
# `render k8s` takes the collector's and the demo stack's images and configs from here.
COPY instrumentation ./instrumentation

# The node image's unprivileged user; nothing in /app needs to be writable.
USER node

EXPOSE 6379

# Asks the instance's own grpc.health.v1 service; exit 0 only when it answers SERVING, so a
# draining instance turns unhealthy. Follows PORT when a deployment moves the instance.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD node dist/cli/main.js health "localhost:${PORT:-6379}" || exit 1

# Exec form: node is PID 1 and receives SIGTERM itself, which starts Thespian's drain.
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
