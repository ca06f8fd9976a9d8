# syntax=docker/dockerfile:1
# netsuite-discovery: the daemon (`run`) in a slim runtime image.
#   docker build -t netsuite-discovery .
#   docker run -p 9090:9090 -e DATABASE_URL=postgres://... \
#     -v $PWD/tenants:/etc/netsuite-discovery/tenants:ro -v /run/secrets:/run/secrets:ro \
#     netsuite-discovery
# Secrets come from env vars (NSD_<TENANT>_CONSUMER_KEY...) or files named in the tenant files.
# scripts/check-dockerfile lints this file and runs its build, run and health-check lines
# outside Docker.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY benches ./benches
# The stand-ins' crate is a workspace member, so its sources are here, but the lean build
# leaves it out of the binary (no `demo`/`simulator` commands in the image).
COPY simulator ./simulator
RUN cargo build --release --locked --no-default-features --bin netsuite-discovery

FROM debian:bookworm-slim AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home nsd
COPY --from=build /src/target/release/netsuite-discovery /usr/local/bin/netsuite-discovery
COPY config/default.toml /etc/netsuite-discovery/default.toml
ENV NSD_CONFIG=/etc/netsuite-discovery/default.toml \
    NSD__LOG__FORMAT=json \
    NSD__TENANTS_DIR=/etc/netsuite-discovery/tenants \
    NSD__DAEMON__LISTEN=0.0.0.0:9090
USER 10001
EXPOSE 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/netsuite-discovery", "healthcheck", "--url", "http://127.0.0.1:9090/healthz"]
ENTRYPOINT ["/usr/local/bin/netsuite-discovery"]
CMD ["run"]
