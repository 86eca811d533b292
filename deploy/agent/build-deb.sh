#!/usr/bin/env bash
# Build vigil-agent_<version>_amd64.deb with dpkg-deb.
#
#   deploy/agent/build-deb.sh [OUTPUT_DIR]      (default: deploy/agent/dist)
#
# Contents:
#   /opt/vigil-agent/bin/node                 the Node.js runtime running this script (copied; no nodejs dependency)
#   /opt/vigil-agent/bin/vigil-agent-mounts   privileged ExecStartPre: mounts tracefs/bpffs if missing
#   /opt/vigil-agent/lib/dist/vigil-agent.js  apps/agent and every lib it imports, bundled by esbuild into one file
#   /opt/vigil-agent/lib/dist/vigil.bpf.o     the compiled CO-RE BPF object   } where @vigil/bpf looks, relative
#   /opt/vigil-agent/lib/build/Release/vigil_bpf.node  the libbpf N-API addon } to the bundle's directory (../)
#   /opt/vigil-agent/package.json             name and version (the agent reports the version from ../../package.json)
#   /usr/bin/vigil-agent                      wrapper: exec node vigil-agent.js "$@"
#   /lib/systemd/system/vigil-agent.service   the hardened unit
#   /etc/vigil/agent.conf                     conffile (a commented template until install.sh writes the real one)
#   /usr/share/vigil-agent/install.sh         installs the config downloaded from the UI and enables the unit
# Needs the agent built first (npx nx run-many -t build, or ./vigil builds it); builds it when missing.
#
# Reproducible: the same sources and node give the same bytes. Every file's mtime is
# SOURCE_DATE_EPOCH (default: the last commit's time), modes do not depend on the umask, owners are
# root:root, dpkg-deb sorts the entries and uses SOURCE_DATE_EPOCH for the ar members. Beside the
# .deb goes <deb>.sha256 (sha256sum format: `sha256sum -c` verifies it).
set -euo pipefail
umask 022
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/dist}"
version="$(node -p "require('$root/package.json').version")"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)"
fi
export SOURCE_DATE_EPOCH
arch=amd64
[ "$(uname -m)" = x86_64 ] || { echo "build-deb: the package is amd64 and bundles this host's node; run it on x86-64" >&2; exit 1; }

agent_main="$root/apps/agent/dist/main.js"
bpf_object="$root/bpf/dist/vigil.bpf.o"
addon="$root/bpf/build/Release/vigil_bpf.node"
if [ ! -f "$agent_main" ] || [ ! -f "$bpf_object" ] || [ ! -f "$addon" ]; then
  echo "build-deb: building the agent, the BPF object and the addon (npx nx run @vigil/agent:build)" >&2
  (cd "$root" && npx nx run @vigil/agent:build --outputStyle=static >&2)
fi
for f in "$agent_main" "$bpf_object" "$addon"; do
  [ -f "$f" ] || { echo "build-deb: $f is missing after the build" >&2; exit 1; }
done

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
pkg="$stage/vigil-agent_${version}_${arch}"
opt="$pkg/opt/vigil-agent"
install -d "$opt/bin" "$opt/lib/dist" "$opt/lib/build/Release" "$pkg/usr/bin" "$pkg/lib/systemd/system" \
  "$pkg/etc/vigil" "$pkg/usr/share/vigil-agent" "$pkg/usr/share/doc/vigil-agent" "$pkg/DEBIAN"

# One file: the agent and the libs it imports (pino, commander, prom-client, avsc, …). Node
# built-ins stay external; the addon is loaded at run time from ../build/Release (not bundled).
"$root/node_modules/.bin/esbuild" "$agent_main" --bundle --platform=node --target=node20 --format=cjs \
  --legal-comments=none --log-level=warning --outfile="$opt/lib/dist/vigil-agent.js"
chmod 0644 "$opt/lib/dist/vigil-agent.js"
printf '{ "name": "vigil-agent", "version": "%s", "private": true }\n' "$version" > "$opt/package.json"

node_bin="$(node -p 'process.execPath')"
node_version="$(node -p 'process.version')"
install -m 0755 "$node_bin" "$opt/bin/node"
install -m 0755 "$here/vigil-agent-mounts" "$opt/bin/vigil-agent-mounts"
install -m 0644 "$bpf_object" "$opt/lib/dist/vigil.bpf.o"
install -m 0755 "$addon" "$opt/lib/build/Release/vigil_bpf.node"
install -m 0644 "$here/vigil-agent.service" "$pkg/lib/systemd/system/vigil-agent.service"
install -m 0600 "$here/agent.conf" "$pkg/etc/vigil/agent.conf"
install -m 0755 "$here/install.sh" "$pkg/usr/share/vigil-agent/install.sh"
cat > "$pkg/usr/bin/vigil-agent" <<'WRAPPER'
#!/bin/sh
# The Vigil agent with its bundled runtime: vigil-agent capture|run … (see vigil-agent --help).
exec /opt/vigil-agent/bin/node --single-threaded /opt/vigil-agent/lib/dist/vigil-agent.js "$@"
WRAPPER
chmod 0755 "$pkg/usr/bin/vigil-agent"
cat > "$pkg/usr/share/doc/vigil-agent/copyright" <<EOF
Vigil agent ${version}: Apache-2.0. Bundles Node.js ${node_version} (MIT, https://nodejs.org/en/about/) and
the npm packages listed in the Vigil repository's package-lock.json under their own licences.
EOF

install -m 0644 "$here/debian/conffiles" "$pkg/DEBIAN/conffiles"
install -m 0755 "$here/debian/postinst" "$here/debian/prerm" "$here/debian/postrm" "$pkg/DEBIAN/"
# Apparent size: the same whatever filesystem the staging directory is on.
size_kb="$(du -sk --apparent-size --exclude=DEBIAN "$pkg" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size_kb/" -e "s/@NODE_VERSION@/$node_version/" "$here/debian/control.in" > "$pkg/DEBIAN/control"

# Every entry (directories, the package root and links included) at SOURCE_DATE_EPOCH.
find "$pkg" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
deb="$out/vigil-agent_${version}_${arch}.deb"
# --root-owner-group: every file root:root whoever builds it (no fakeroot needed).
dpkg-deb --root-owner-group -Zgzip -z6 --build "$pkg" "$deb" >&2
(cd "$out" && sha256sum "$(basename "$deb")" > "$(basename "$deb").sha256")
echo "$deb"
