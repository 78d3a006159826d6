# A Gatehouse image in two stages: the build (the same tools and command as scripts/run),
# then a slim runtime with only the binary, the site assets and the settings file.
#
#   docker build -t gatehouse .
#   docker run -p 3000:3000 -v gatehouse-data:/var/lib/gatehouse \
#     -e GATEHOUSE_SERVER__PUBLIC_URL=https://id.example.com gatehouse
#
# The image runs as an unprivileged user, keeps its state in /var/lib/gatehouse, and
# listens on 0.0.0.0:3000. In production set mode and secrets (see README, "Configure").

FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The tools first (cargo-leptos, wasm-bindgen-cli at Cargo.lock's version, wasm-opt):
# this layer stays cached while only the sources change.
COPY Cargo.toml Cargo.lock ./
COPY scripts/setup.sh scripts/setup.sh
ENV CARGO_TARGET_DIR=/src/target
RUN bash -c 'source scripts/setup.sh && ensure_build_tools'
COPY . .
RUN bash -c 'source scripts/setup.sh && cargo leptos build --release --split'

FROM debian:bookworm-slim
# libssl3: webauthn-rs (passkeys) links OpenSSL. ca-certificates: sign-in providers,
# SMTP over TLS, the breached-password check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/gatehouse --create-home gatehouse
COPY --from=build /src/target/release/gatehouse /usr/local/bin/gatehouse
COPY --from=build /src/target/site /usr/share/gatehouse/site
COPY Leptos.toml /etc/gatehouse/Leptos.toml
ENV GATEHOUSE_CONFIG=/etc/gatehouse/Leptos.toml \
    GATEHOUSE_SERVER__SITE_ROOT=/usr/share/gatehouse/site \
    GATEHOUSE_SERVER__DATA_DIR=/var/lib/gatehouse \
    GATEHOUSE_SERVER__ADDRESS=0.0.0.0:3000
USER gatehouse
WORKDIR /var/lib/gatehouse
VOLUME /var/lib/gatehouse
EXPOSE 3000
# SIGTERM drains and stops gracefully (see [operations] in Leptos.toml).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/gatehouse"]
CMD ["serve"]
