# syntax=docker/dockerfile:1
# The Update Service image: `updated` (the service) plus `fleetsim` (the
# simulated device connector of the compose file's demo profile) and
# `esdbfake` (the wire-level EventStoreDB, for trying the service without
# KurrentDB). Built by docker-compose.yml; static binaries on Alpine, whose
# busybox wget serves the health checks.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first: this layer stays cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/updated ./cmd/fleetsim ./cmd/esdbfake

FROM alpine:3.22 AS runtime
RUN adduser -D -H -u 10001 updated
COPY --from=build /out/ /usr/local/bin/
USER updated
ENV HTTP_ADDR=:8084
EXPOSE 8084
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=6 \
    CMD wget -q -O /dev/null http://127.0.0.1:8084/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/updated"]
