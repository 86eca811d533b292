#!/bin/sh
# Install the agent config downloaded from the Vigil web UI (or printed by `./vigil endpoint add`)
# and start the agent:
#
#   sudo sh install.sh vigil-agent-<name>.conf            (after: apt install ./vigil-agent_<v>_amd64.deb)
#   sudo sh install.sh --deb vigil-agent_<v>_amd64.deb vigil-agent-<name>.conf   (installs the package too)
#   sudo sh install.sh --ca root.crt vigil-agent-<name>.conf   (a private CA, e.g. Caddy's internal one:
#        installed as /etc/vigil/gateway-ca.pem and named in the config as tls_ca unless it names one)
#
# The file is checked (it must name api, key and id), installed as /etc/vigil/agent.conf with mode
# 0600 (it holds the endpoint key), and vigil-agent.service is enabled and (re)started.
# VIGIL_ROOT=DIR installs into a scratch root instead of / and skips systemctl (used by the tests).
set -eu

usage() { echo "usage: install.sh [--deb PACKAGE.deb] [--ca CA.pem] CONFIG_FILE" >&2; exit 64; }
deb=""
ca=""
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) [ $# -ge 2 ] || usage; deb="$2"; shift 2 ;;
    --ca) [ $# -ge 2 ] || usage; ca="$2"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "install.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || usage
config="$1"
root="${VIGIL_ROOT:-}"

[ -r "$config" ] || { echo "install.sh: cannot read $config" >&2; exit 66; }
if [ -n "$ca" ]; then
  [ -r "$ca" ] || { echo "install.sh: cannot read $ca" >&2; exit 66; }
  grep -q -- "-----BEGIN CERTIFICATE-----" "$ca" || { echo "install.sh: $ca is not a PEM certificate" >&2; exit 65; }
fi
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then echo "install.sh: run as root (sudo)" >&2; exit 77; fi

# A config from the UI has these keys; anything else is probably the wrong file.
missing=""
for k in api key id; do
  grep -Eq "^[[:space:]]*$k[[:space:]]*=[[:space:]]*[^[:space:]]" "$config" || missing="$missing $k"
done
if [ -n "$missing" ]; then
  echo "install.sh: $config lacks required key(s):$missing — download the agent config from the web UI (Endpoints → Add) or use ./vigil endpoint add" >&2
  exit 65
fi
api="$(sed -n 's/^[[:space:]]*api[[:space:]]*=[[:space:]]*//p' "$config" | head -n1)"
case "$api" in
  https://*) ;;
  http://127.*|http://localhost*|http://\[::1\]*) echo "install.sh: note: $api is plain HTTP on loopback (local test only)" >&2 ;;
  *) echo "install.sh: warning: api=$api is not https — the agent refuses plain HTTP unless the config marks it as a local test" >&2 ;;
esac

if [ -n "$deb" ]; then
  if [ -n "$root" ]; then dpkg --root="$root" --force-script-chrootless --force-not-root -i "$deb"
  else apt-get install -y "$(readlink -f "$deb")" || dpkg -i "$deb"; fi
fi

etc="$root/etc/vigil"
mkdir -p "$etc"
chmod 0755 "$etc"
# Write next to the target with mode 0600 from the start, then rename: the key is never readable by others.
tmp="$(mktemp "$etc/.agent.conf.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
chmod 0600 "$tmp"
cat "$config" > "$tmp"
if [ -n "$ca" ]; then
  install -m 0644 "$ca" "$etc/gateway-ca.pem"
  grep -Eq '^[[:space:]]*tls_ca[[:space:]]*=' "$tmp" || printf '%s\n' "tls_ca=/etc/vigil/gateway-ca.pem" >> "$tmp"
  echo "install.sh: installed $etc/gateway-ca.pem (the gateway's CA)"
fi
[ -n "$root" ] || chown root:root "$tmp"
mv -f "$tmp" "$etc/agent.conf"
trap - EXIT
echo "install.sh: installed $etc/agent.conf (mode 0600)"

if [ -z "$root" ]; then
  systemctl daemon-reload
  systemctl enable vigil-agent.service
  systemctl restart vigil-agent.service
  systemctl --no-pager --lines=5 status vigil-agent.service || true
  echo "install.sh: vigil-agent.service enabled and started (journalctl -u vigil-agent -f)"
else
  # Offline equivalent of `systemctl enable` in a scratch root.
  mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
  ln -sf /lib/systemd/system/vigil-agent.service "$root/etc/systemd/system/multi-user.target.wants/vigil-agent.service"
  echo "install.sh: enabled vigil-agent.service in $root"
fi
