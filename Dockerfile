# Dockerfile - wikicrawl container images, all on debian:bookworm-slim.
#
#   docker build -t wikicrawl .                          runtime (default): the binary and the
#                                                        shared libraries it links, nothing else
#   docker build --target redis -t wikicrawl-redis .     redis-server 7 for docker-compose.yml
#
# The runtime image runs as the unprivileged user `wikicrawl` (uid 10001) and is configured only by
# WIKICRAWL_* environment variables (`docker run --rm wikicrawl config` prints the table).
# ENTRYPOINT is the wikicrawl binary, so the command picks the role: `serve` (default), `api`,
# `worker`. The image has no redis-server: docker-compose.yml runs Redis as its own service (the
# `redis` target) and every container is given WIKICRAWL_REDIS. `serve` without WIKICRAWL_REDIS
# starts an embedded redis-server and so fails here, unless the image is built with it:
#
#   docker build --build-arg EMBEDDED_REDIS=yes -t wikicrawl:standalone .    # +7 MB
#   docker run -p 8080:8080 -v wikicrawl-data:/var/lib/wikicrawl wikicrawl:standalone

ARG BASE=debian:bookworm-slim

# ---- build: compiler, -dev packages, make build ------------------------------------------------
FROM ${BASE} AS build
WORKDIR /src
# The package list lives in one place, scripts/deps.sh; this layer is cached until it changes.
COPY scripts/deps.sh scripts/deps.sh
RUN scripts/deps.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
# openapi.yaml is built into the binary (scripts/text2c.sh): the image needs no copy of it.
RUN make -j"$(nproc)" build \
 && mkdir -p /out/bin \
 && strip -o /out/bin/wikicrawl build/wikicrawl

# ---- redis: the queue and result store for docker-compose.yml ----------------------------------
FROM ${BASE} AS redis
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
COPY scripts/redis-start.sh /usr/local/bin/redis-start
USER redis
WORKDIR /data
EXPOSE 6379
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 CMD ["redis-cli", "ping"]
# AOF in /data, a maxmemory (half the container's memory unless WIKICRAWL_REDIS_MAX_MEMORY says)
# and noeviction: scripts/redis-start.sh.
CMD ["redis-start"]

# ---- runtime: the wikicrawl binary and its shared libraries ------------------------------------
FROM ${BASE} AS runtime
# yes: add redis-server, for `serve` on its own (embedded Redis in WIKICRAWL_DATA_DIR)
ARG EMBEDDED_REDIS=no
# curl is only for HEALTHCHECK: it reuses libcurl4, which wikicrawl links anyway (~0.5 MB more).
# libisal2: records are compressed with ISA-L (scripts/deps.sh); zlib1g is in every Debian image.
RUN if [ "$EMBEDDED_REDIS" = yes ]; then redis=redis-server; else redis=; fi \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libcurl4 libjansson4 libxml2 libhiredis0.14 libisal2 ca-certificates \
      curl $redis \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 wikicrawl \
 && useradd --system --uid 10001 --gid wikicrawl --home-dir /var/lib/wikicrawl --no-create-home \
      --shell /usr/sbin/nologin wikicrawl \
 && install -d -o wikicrawl -g wikicrawl -m 0750 /var/lib/wikicrawl \
 && install -d -o wikicrawl -g wikicrawl -m 0755 /exports
COPY --from=build /out/bin/wikicrawl /usr/local/bin/wikicrawl
ENV WIKICRAWL_LISTEN=0.0.0.0:8080 \
    WIKICRAWL_DATA_DIR=/var/lib/wikicrawl
USER wikicrawl
WORKDIR /var/lib/wikicrawl
EXPOSE 8080
# GET /healthz on the port of WIKICRAWL_LISTEN (a wildcard address is asked on 127.0.0.1).
# `worker` containers serve no HTTP: docker-compose.yml gives them their own check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD h=${WIKICRAWL_LISTEN%:*}; case "$h" in ""|0.0.0.0|"[::]"|"*") h=127.0.0.1;; esac; \
      curl -fsS --max-time 2 -o /dev/null "http://$h:${WIKICRAWL_LISTEN##*:}/healthz" || exit 1
ENTRYPOINT ["wikicrawl"]
CMD ["serve"]
