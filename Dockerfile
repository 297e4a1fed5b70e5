# dnsplan built from source: for a fork, a self-hosted environment or anyone who wants to build
# the image themselves (docs/github-action.md, "Shipping and self-built images"). The released
# action does not use it: action.yml points at the prebuilt image of Dockerfile.release.
#   docker build -t dnsplan .
#   docker run --rm -v "$PWD:/github/workspace" -w /github/workspace dnsplan
# To run it as the action, point runs.image of a copy of action.yml at `Dockerfile`.

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
COPY --from=build /usr/local/bin/dnsplan /usr/local/bin/dnsplan
# No USER: container actions run as the image's user, and GitHub's docs say they must not set
# one; as root the action can write the workspace and the runner's file-command files
# whichever uid owns them.
ENTRYPOINT ["/usr/local/bin/dnsplan", "github"]
