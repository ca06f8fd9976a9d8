# syntax=docker/dockerfile:1
# Build: docker build -t netsuite-discovery .
# Run:   docker run -v $PWD/config:/etc/netsuite-discovery:ro -e DATABASE_URL=... \
#          -e NSD_ACME_CONSUMER_KEY=... netsuite-discovery sync --tenant acme

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
RUN cargo build --release --locked --bin netsuite-discovery

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates=* \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home nsd
COPY --from=build /src/target/release/netsuite-discovery /usr/local/bin/netsuite-discovery
COPY config/default.toml /etc/netsuite-discovery/default.toml
ENV NSD__LOG__FORMAT=json \
    NSD__TENANTS_DIR=/etc/netsuite-discovery/tenants
USER nsd
ENTRYPOINT ["/usr/local/bin/netsuite-discovery"]
CMD ["--help"]
