#!/bin/sh
# Pin every image of the Compose stack by digest: docker-compose.yml (`image:`, including the
# defaults of `${VAR:-image}`) and the Dockerfile (`FROM`). Each `name:tag` becomes
# `name:tag@sha256:<digest>` as the registry reports it now; the tag stays for readers, the digest
# is what Docker pulls. Run it where the registries are reachable (release time), review the diff,
# commit it. Re-running re-resolves nothing already pinned (`--refresh` re-pins everything).
#
#   deploy/compose/pin-digests.sh            pin what is not pinned yet
#   deploy/compose/pin-digests.sh --check    list the images not pinned; exit 1 if any
#   deploy/compose/pin-digests.sh --refresh  re-resolve every image (new patch releases)
#
# Resolver: `docker buildx imagetools inspect` (Docker ≥ 23), else `skopeo inspect`. The manifest
# list digest is used, so every architecture stays pullable. Nothing is written unless every image
# resolved.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
files="$here/docker-compose.yml $here/Dockerfile"
mode="${1:-pin}"
case "$mode" in pin|--check|--refresh) ;; *) echo "usage: pin-digests.sh [--check|--refresh]" >&2; exit 64 ;; esac

# Every image reference: `image: ref`, `image: ${VAR:-ref}`, `FROM ref [AS x]`.
refs() {
  { sed -n -E 's/^[[:space:]]*image:[[:space:]]*\$\{[A-Z_]+:-([^}]+)\}.*/\1/p; s/^[[:space:]]*image:[[:space:]]*([^$[:space:]]+).*/\1/p' "$here/docker-compose.yml"
    sed -n -E 's/^FROM[[:space:]]+([^[:space:]]+).*/\1/p' "$here/Dockerfile"; } | grep -v '^vigil/' | sort -u
}

if [ "$mode" = --check ]; then
  unpinned="$(refs | grep -v '@sha256:[0-9a-f]\{64\}$' || true)"
  if [ -n "$unpinned" ]; then
    echo "not pinned by digest (run deploy/compose/pin-digests.sh where the registries are reachable):"
    echo "$unpinned" | sed 's/^/  /'
    exit 1
  fi
  echo "every image is pinned by digest"
  exit 0
fi

resolve() {
  if docker buildx version >/dev/null 2>&1; then
    docker buildx imagetools inspect --format '{{.Manifest.Digest}}' "$1" 2>/dev/null && return 0
  fi
  if command -v skopeo >/dev/null 2>&1; then
    skopeo inspect --raw "docker://$1" 2>/dev/null | sha256sum | sed 's/^\([0-9a-f]*\).*/sha256:\1/' && return 0
  fi
  return 1
}

tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
: > "$tmp/pins"
for ref in $(refs); do
  base="${ref%@sha256:*}"
  if [ "$mode" = pin ] && [ "$base" != "$ref" ]; then continue; fi
  digest="$(resolve "$base" || true)"
  case "$digest" in
    sha256:????????????????????????????????????????????????????????????????) echo "$base $digest" >> "$tmp/pins" ;;
    *) echo "pin-digests.sh: cannot resolve $base (no registry access, or neither docker buildx nor skopeo): nothing written" >&2; exit 69 ;;
  esac
done
for f in $files; do
  cp "$f" "$tmp/out"
  while read -r base digest; do
    esc="$(printf '%s' "$base" | sed 's/[.[\*^$]/\\&/g')"
    # name:tag or name:tag@sha256:old → name:tag@sha256:new
    sed -i -E "s#(^|[[:space:]:-])${esc}(@sha256:[0-9a-f]{64})?([[:space:]}]|\$)#\1${base}@${digest}\3#g" "$tmp/out"
  done < "$tmp/pins"
  cmp -s "$f" "$tmp/out" || { cp "$tmp/out" "$f"; echo "pinned: $f"; }
done
