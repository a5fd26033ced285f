# The FlowStreams sample server (durable-streaming) in a container.
#
# NOT BUILT HERE: the machine this was written on has no Docker engine, and the release build below
# (with --static-swift-stdlib) was not run there either; only the debug build, whose resource bundle
# name (flowstreams_durable-streaming.resources) this copies. Build and run the image yourself before
# you rely on it. docs/DEPLOY.md explains the settings.
#
#   docker build -t flowstreams-sample .
#   docker run -p 8080:8080 -v flowstreams:/data -e OPENAI_API_KEY flowstreams-sample

FROM swift:6.3-noble AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest names the test targets too, so their folders must be there for it to load.
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product durable-streaming --static-swift-stdlib \
    && mkdir /out \
    && cp "$(swift build -c release --show-bin-path)/durable-streaming" /out/ \
    && cp -R "$(swift build -c release --show-bin-path)/flowstreams_durable-streaming.resources" /out/

FROM ubuntu:24.04
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-0 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /data flowstreams
# The page's files are a resource bundle that must sit next to the binary.
COPY --from=build /out/ /app/
USER flowstreams
WORKDIR /data
ENV HOST=0.0.0.0 \
    PORT=8080 \
    FLOWSTREAMS_STORE=sqlite:/data/streams.sqlite \
    LOG_LEVEL=info
EXPOSE 8080
VOLUME /data
# SIGTERM starts the graceful shutdown: running flows get --grace-period-seconds (30) to finish.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/durable-streaming"]
CMD ["serve"]
