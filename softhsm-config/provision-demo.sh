#!/usr/bin/env bash
# Sets up a complete demo deployment in DIR (default: .smimed-demo in the repository):
# a SoftHSM2 token "smimed-demo", a demo CA, a localhost TLS certificate, and two identities,
# rsa-demo@smimed.example (RSA-2048) and ec-demo@smimed.example (P-256), whose keys are
# generated inside the token by smimed itself. Writes DIR/smimed.yaml. Safe to re-run.
# Needs the daemon built (mvn package) and SoftHSM2 installed (install-deps.sh).
set -euo pipefail
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  echo "usage: $0 [DIR] [PORT]   (defaults: .smimed-demo 8443)" >&2
  exit 0
fi
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/.smimed-demo}
port=${2:-8443}
label=smimed-demo

"$root/softhsm-config/create-token.sh" "$dir" "$label"
dir=$(cd "$dir" && pwd)
export SOFTHSM2_CONF="$dir/softhsm2.conf"

java -jar "$root/daemon/target/smimed.jar" provision-demo --dir "$dir/pki" \
  --token-label "$label" --pin-file "$dir/user.pin"

cat > "$dir/smimed.yaml" <<YAML
# smimed demo configuration (written by softhsm-config/provision-demo.sh)
listen:
  address: 127.0.0.1
  port: $port
tls:
  certificateChain: pki/server.crt
  privateKey: pki/server.key
token:
  library: /usr/lib/softhsm/libsofthsm2.so
  label: $label
  pin:
    file: user.pin
limits:
  maxMessageBytes: 16777216
YAML
echo "config: $dir/smimed.yaml" >&2
