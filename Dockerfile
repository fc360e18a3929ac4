# syntax=docker/dockerfile:1
# llmmon-exporter: one binary for every exporter role (llmmon-exporter <role> --source ...).
# Multi-stage: build with the Rust toolchain, run on a slim Debian with CA certificates
# (HTTPS upstreams) and bash for the healthcheck. Build from the repository root:
#   docker build -t llmmon-exporter:dev .
# (compose/docker-compose.dev.yml does this.)

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p llmmon-exporter \
    && install -m 0755 target/release/llmmon-exporter /usr/local/bin/llmmon-exporter

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/llmmon-exporter /usr/local/bin/llmmon-exporter
COPY compose/llmmon-healthcheck.sh /usr/local/bin/llmmon-healthcheck
# The announcements store; a new named volume mounted here inherits this owner.
RUN mkdir -p /data && chown 65534:65534 /data
# Roles that read the Docker socket or NVML run as root (see docker-compose.yml); the
# others run as nobody.
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/llmmon-exporter"]
CMD ["all", "--source", "sim"]
