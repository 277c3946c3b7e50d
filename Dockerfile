# seeder: multi-stage build on Debian 12. The same scripts/install-deps.sh that the README's
# commands and CI use installs the packages of both stages.

FROM debian:12-slim AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh --build
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEEDER_BUILD_TESTS=OFF -DSEEDER_BUILD_BENCH=OFF \
 && cmake --build build --target seeder \
 && strip build/seeder

FROM debian:12-slim
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin seeder \
 && mkdir -p /data && chown seeder:seeder /data
COPY --from=build /src/build/seeder /usr/local/bin/seeder
COPY torrents /torrents
USER seeder
VOLUME /data
ENV SEEDER_HOST=0.0.0.0 SEEDER_PORT=8080 SEEDER_DATA_DIR=/data SEEDER_INPUT=/torrents
# HTTP, probes (/liveness, /readiness: point the orchestrator's probes here), Prometheus
# /metrics, then BitTorrent (TCP and uTP). `seeder diagnose` runs with --entrypoint seeder.
EXPOSE 8080 8081 8083 6881/tcp 6881/udp
ENTRYPOINT ["seeder", "serve"]
