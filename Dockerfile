# tapbench lab image (Debian 12): the rig, the simulators and the reference parties, built from this tree.
# Packages come from scripts/install-deps, the project's one list. USB readers: see docs/LAB-IMAGE.md.
FROM debian:12

COPY scripts/install-deps /opt/tapbench/scripts/install-deps
RUN /opt/tapbench/scripts/install-deps && rm -rf /var/lib/apt/lists/*

COPY . /opt/tapbench/src
WORKDIR /opt/tapbench/src
RUN cmake --preset release \
 && cmake --build --preset release \
 && cmake --install build/release --prefix /usr/local \
 && rm -rf build

# libnfc: no USB scan noise unless the bench asks for a reader by connstring.
ENV LIBNFC_AUTO_SCAN=false
WORKDIR /work
ENTRYPOINT ["tapbench"]
CMD ["--help"]
