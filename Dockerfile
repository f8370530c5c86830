# rivgate container image: a static binary on a small base, run as a non-root
# user, with a health check on the admin listener's /readyz.
#
#   docker build -t rivgate:dev \
#     --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) .
#   docker run --rm rivgate:dev version
#   docker run --rm -p 20000:20000 -p 127.0.0.1:20001:20001 \
#     -v $PWD/etc:/etc/rivgate:ro rivgate:dev          # gateway -c /etc/rivgate/gateway.yaml
#
# The configuration must listen on 0.0.0.0 (listen.https, listen.admin) for
# the published ports and the health check to reach it; the admin port is
# published on the host's loopback only (it reloads and shows the state). deploy/k8s and
# docs/operations.md show the rest; the demo runs too: docker run --rm rivgate:dev demo -o /tmp/d

# --- build: the same static binary as scripts/build.sh makes (CGO_ENABLED=0)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG BUILD_DATE=unknown
RUN VERSION="$VERSION" COMMIT="$COMMIT" BUILD_DATE="$BUILD_DATE" ./scripts/build.sh /out/rivgate

# --- run: alpine for busybox wget (the health check) and a shell for debugging
FROM alpine:3.22
RUN addgroup -S -g 10001 rivgate \
 && adduser -S -D -H -u 10001 -G rivgate -s /sbin/nologin rivgate \
 && mkdir -p /etc/rivgate /var/cache/rivgate \
 && chown rivgate:rivgate /var/cache/rivgate
COPY --from=build /out/rivgate /usr/local/bin/rivgate
USER 10001:10001
WORKDIR /var/cache/rivgate
# 20000: mutual-TLS service listener; 20001: admin (/healthz /readyz /status /metrics /resetcache)
EXPOSE 20000 20001
# /readyz is 503 until a TAK catalogue is loaded (calls would get VP008).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD wget -q -T 2 -O /dev/null http://127.0.0.1:20001/readyz || exit 1
# SIGTERM drains in-flight calls (shutdown.drain, default 30s); give it time.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rivgate"]
CMD ["gateway", "-c", "/etc/rivgate/gateway.yaml"]
