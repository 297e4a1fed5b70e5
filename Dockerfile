# dnsplan as a GitHub container action (action.yml: runs.using docker).
# Build: docker build -t dnsplan .   Run: docker run --rm -v "$PWD:/work" -w /work dnsplan

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked --bin dnsplan \
 && install -m 0755 target/release/dnsplan /usr/local/bin/dnsplan

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# uid 1001 is the `runner` user of GitHub-hosted runners, which owns the mounted workspace
# and the $GITHUB_OUTPUT / $GITHUB_STEP_SUMMARY files; files the action writes stay usable
# by later steps.
RUN useradd --uid 1001 --user-group --no-create-home --shell /usr/sbin/nologin dnsplan
COPY --from=build /usr/local/bin/dnsplan /usr/local/bin/dnsplan
USER 1001
ENTRYPOINT ["/usr/local/bin/dnsplan", "github"]
