# syntax=docker/dockerfile:1
# Understudy in a container: every vendor and the admin API on port 4010.
#
#   docker build -t understudy .
#   docker run --rm -p 127.0.0.1:4010:4010 understudy
#   docker run --rm -p 127.0.0.1:4010:4010 -v "$PWD/seeds:/seeds:ro" \
#     -e UNDERSTUDY_SEED=/seeds/seed.json understudy
#
# Every flag is also a variable (`UNDERSTUDY_*`, see `understudy --help`). Arguments after the
# image name go to `understudy`: flags serve with them (`docker run understudy --now …`), and
# `docker run understudy seed validate /seeds/seed.json` checks a seed.

# -- build: the release binary, with the registry and target folders cached between builds
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin understudy \
 && cp target/release/understudy /usr/local/bin/understudy

# -- run: glibc and libgcc only (the seed, the OpenAPI documents and SQLite are in the binary),
# no shell, no package manager, a non-root user
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /usr/local/bin/understudy /usr/local/bin/understudy
USER nonroot:nonroot

# A container must listen on every interface to be reached at all. A non-loopback address
# would open the admin API (resets, seeds, fault rules) to whoever reaches the port, so the
# server refuses one unless told which exposure is meant. The image says `--admin-open`: the
# container is a test double on a CI job's private network or a port published to
# 127.0.0.1, its data is fake, and a token would have to be shared with every test. Without a
# token the admin API still answers only `Host` names that are loopback or the container's own
# address, and no other site's page; clients that reach the container by a service name
# (`http://understudy:4010`) need a token: set UNDERSTUDY_ADMIN_TOKEN, which then guards every
# admin call but the health check.
ENV UNDERSTUDY_HOST=0.0.0.0 \
    UNDERSTUDY_PORT=4010 \
    UNDERSTUDY_ADMIN_OPEN=true

EXPOSE 4010

# `understudy healthcheck` follows UNDERSTUDY_HOST and UNDERSTUDY_PORT (0.0.0.0 is reached on
# 127.0.0.1) and needs no curl, which this image does not have. Exec form: there is no shell
# either, so a health command given as a string (`docker run --health-cmd …`) cannot run.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["/usr/local/bin/understudy", "healthcheck"]

# No command serves (as `understudy serve` would), with the flags given after the image name.
ENTRYPOINT ["/usr/local/bin/understudy"]
