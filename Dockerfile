# syntax=docker/dockerfile:1
# liveperson-exporter container image: built with the Rust toolchain, run as a non-root user on a
# minimal base (distroless: no shell, no package manager; glibc and CA certificates only).
#   docker build --build-arg REVISION=$(git rev-parse --short=12 HEAD) -t liveperson-exporter .
#   docker run --rm -p 127.0.0.1:9477:9477 liveperson-exporter demo --listen 0.0.0.0:9477

FROM rust:1.95-slim-bookworm AS build
# The source revision for liveperson_exporter_build_info (the build context has no .git).
ARG REVISION=unknown
ENV LIVEPERSON_BUILD_REVISION=$REVISION
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY crates ./crates
COPY benches ./benches
COPY tests ./tests
# The registry and target caches survive between builds (BuildKit); the binary is copied out of
# the cached target directory.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin liveperson-exporter \
    && install -D -m 0755 target/release/liveperson-exporter /out/liveperson-exporter

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/liveperson-exporter /usr/local/bin/liveperson-exporter
COPY config/example.yaml /etc/liveperson-exporter/example.yaml
# 65532 is distroless' "nonroot"; numeric so Kubernetes' runAsNonRoot can check it.
USER 65532:65532
EXPOSE 9477
ENTRYPOINT ["/usr/local/bin/liveperson-exporter"]
CMD ["run", "--config", "/etc/liveperson-exporter/config.yaml"]
