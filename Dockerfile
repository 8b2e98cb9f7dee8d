# rolloutd container image.
#
# Build stage: Debian bookworm with the project's own scripts/install-deps (--build-only) and CMake
# release build. Runtime stage: nothing but rolloutd, kubectl-rp, the shared libraries they link
# (found with ldd), the CA bundle and a passwd entry for the numeric non-root user 65532. No shell,
# no package manager; nothing is written at run time, so it runs with a read-only root filesystem.
#
#   scripts/build-image                  builds it with buildah over a debootstrapped base image
#   podman build -t rolloutd:0.1.0 .     any OCI builder works; BASE_IMAGE picks the bookworm base
ARG BASE_IMAGE=debian:bookworm

FROM ${BASE_IMAGE} AS build
ARG JOBS=2
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN ./scripts/install-deps --build-only && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY controller controller
# (CMakeLists.txt turns off GCC 12's two false positives for optimised builds.)
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DROLLOUTD_TESTS=OFF \
 && cmake --build /build -j "${JOBS}" \
 && cmake --install /build --prefix /rootfs/usr/local --strip
# The runtime tree: each binary's shared libraries and the dynamic loader, at the paths ldd gives
# (which is where the loader looks for them), the CA bundle for kubeconfigs that name none, and
# the user.
RUN set -eu; \
    for lib in $(ldd /rootfs/usr/local/bin/rolloutd /rootfs/usr/local/bin/kubectl-rp \
                 | awk '$2 == "=>" && $3 ~ /^\// {print $3} NF == 2 && $1 ~ /^\// {print $1}' | sort -u); do \
      cp -L --parents "$lib" /rootfs; \
    done; \
    cp -L --parents /etc/ssl/certs/ca-certificates.crt /rootfs; \
    echo 'rolloutd:x:65532:65532:rolloutd:/nonexistent:/sbin/nologin' >/rootfs/etc/passwd; \
    echo 'rolloutd:x:65532:' >/rootfs/etc/group; \
    mkdir -p -m 1777 /rootfs/tmp; \
    chroot /rootfs /usr/local/bin/rolloutd --version

FROM scratch
COPY --from=build /rootfs /
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/rolloutd"]
CMD ["--metrics-addr=:8080"]
