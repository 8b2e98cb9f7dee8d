# rolloutd container image: a Debian bookworm build stage using the project's own install-deps and
# CMake build, and a small runtime stage running as a non-root numeric user. (Building and
# verifying the image with a daemonless builder is part of the packaging work.)
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN ./scripts/install-deps
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROLLOUTD_TESTS=OFF \
 && cmake --build /build \
 && cmake --install /build --prefix /out --strip

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 libyaml-cpp0.7 \
      libspdlog1.10 libfmt9 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/bin/rolloutd /out/bin/kubectl-rp /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/rolloutd"]
