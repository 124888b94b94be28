# syntax=docker/dockerfile:1

# ---- builder ----------------------------------------------------------------
FROM rust:1-slim-bookworm AS builder
WORKDIR /app

# Build the dependency graph once with stub sources so it is cached between
# source-only changes.
COPY Cargo.toml Cargo.lock ./
COPY migration/Cargo.toml migration/Cargo.toml
RUN mkdir -p src migration/src \
    && echo 'fn main(){}' > src/main.rs \
    && touch src/lib.rs migration/src/lib.rs \
    && cargo build --release --locked \
    && rm -rf target/release/.fingerprint/smartsave-* target/release/.fingerprint/migration-* \
              target/release/deps/smartsave-* target/release/deps/libsmartsave-* \
              target/release/deps/migration-* target/release/deps/libmigration-*

# Real sources (src/, migration/src/, schema.graphql, ...).
COPY . .
RUN cargo build --release --locked --bin smartsave

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin smartsave \
    && mkdir /data \
    && chown smartsave:smartsave /data

COPY --from=builder /app/target/release/smartsave /usr/local/bin/smartsave

USER smartsave
WORKDIR /data
ENV BIND_ADDR=0.0.0.0:8080 APP_ENV=production
EXPOSE 8080

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["smartsave", "healthcheck"]

ENTRYPOINT ["smartsave"]
CMD ["serve"]
