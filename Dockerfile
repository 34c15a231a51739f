# syntax=docker/dockerfile:1
# sid as a container: `docker build -t sid:local .`, `docker run -p 8080:8080 sid:local` (docs/operations.md).
# Needs BuildKit (Docker 23+ builds with it by default) for the cache and bind mounts below.
#
# The build and runtime stages install their system packages with scripts/ci/install-deps.sh, the script the
# README and CI use, so the image cannot drift from what CI builds and tests against.

FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY scripts/ci/install-deps.sh scripts/ci/
RUN scripts/ci/install-deps.sh build && rm -rf /var/lib/apt/lists/*
COPY Package.* ./
# SwiftPM refuses a manifest whose target folders are missing, so the test targets come too, although only
# the sid product is built.
COPY Sources Sources
COPY Tests Tests
# --static-swift-stdlib links the Swift runtime and Foundation into the binary, so the runtime stage needs
# only the C libraries. .build is a cache mount (fetched packages and objects survive between builds), so
# the binary is copied out in the same step. (Package.* takes Package.resolved too when there is one.)
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --static-swift-stdlib --product sid \
    && install -D -m 0755 .build/release/sid /out/sid

# Weights are normally mounted at run time. `--build-arg WEIGHTS_FILE=weights/sid-sony.safetensors` bakes a
# converted file from the build context into the image instead; without it the directory stays empty.
FROM debian:bookworm-slim AS weights
ARG WEIGHTS_FILE=""
RUN --mount=type=bind,target=/context \
    mkdir -p /weights \
    && if [ -n "$WEIGHTS_FILE" ]; then \
         case "$(basename "$WEIGHTS_FILE")" in \
           sid-sony.safetensors|sid-fuji.safetensors) cp "/context/$WEIGHTS_FILE" /weights/ ;; \
           *) echo "WEIGHTS_FILE must be named sid-sony.safetensors or sid-fuji.safetensors (the names sid looks for)" >&2; exit 1 ;; \
         esac; \
       fi

FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="sid" \
      org.opencontainers.image.description="Learning to See in the Dark: camera raw in, PNG out, as an HTTP service and CLI"
COPY scripts/ci/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh \
    && groupadd --gid 10001 sid \
    && useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin sid
COPY --from=build /out/sid /usr/local/bin/sid
# sid looks for weights/sid-sony.safetensors (and sid-fuji) under its working directory, so the documented
# mount point is /app/weights; SID_WEIGHTS=/elsewhere/file.safetensors points it anywhere else.
WORKDIR /app
COPY --from=weights /weights/ /app/weights/
# A numeric user, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
ENV SID_HOST=0.0.0.0 \
    SID_PORT=8080 \
    SID_ADMIN_PORT=9090
# 9090: /healthz, /readyz, /metrics on their own listener, which client traffic cannot starve.
EXPOSE 8080 9090
# SIGTERM starts the drain: readiness turns 503, work in flight and queued finishes within SID_GRACE_SECONDS.
STOPSIGNAL SIGTERM
# The slim base has no curl, and adding it would bring a dozen libraries for one probe; bash (always
# present) speaks enough HTTP over /dev/tcp. Plain HTTP only: with SID_TLS_CERT set, override this check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>\"/dev/tcp/127.0.0.1/${SID_ADMIN_PORT:-9090}\" && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r _ status _ <&3 && [ \"$status\" = 200 ]"]
ENTRYPOINT ["sid"]
CMD ["serve"]
