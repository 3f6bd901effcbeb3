#!/usr/bin/env bash
# Sets up a complete demo deployment in DIR (default: .smimed-demo in the repository):
# a SoftHSM2 token "smimed-demo", a demo CA, a localhost TLS certificate, and two identities,
# rsa-demo@smimed.example (RSA-2048) and ec-demo@smimed.example (P-256), whose keys are
# generated inside the token by smimed itself; TLS client certificates for a demo service
# (pki/client.crt) and a demo security officer (pki/officer.crt) for mutual TLS. Writes
# DIR/smimed.yaml and, unless it exists, DIR/policy.yaml. Safe to re-run.
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

# The audit log lives in a directory of its own: the daemon watches the policy file's directory
# for edits, and an audit line appended beside it would wake that watcher on every call.
mkdir -p "$dir/log"
cat > "$dir/smimed.yaml" <<YAML
# smimed demo configuration (written by softhsm-config/provision-demo.sh)
listen:
  address: 127.0.0.1
  port: $port
tls:
  certificateChain: pki/server.crt
  privateKey: pki/server.key
  clientCaCertificates: pki/ca.crt   # callers must present a certificate from this CA
token:
  library: /usr/lib/softhsm/libsofthsm2.so
  label: $label
  pin:
    file: user.pin
limits:
  maxMessageBytes: 16777216
policy:
  file: policy.yaml
audit:
  file: log/audit.log
admin:   # KeyAdminService (smimectl), only for callers the policy marks officer: true
  listen:
    address: 127.0.0.1
    port: $((port + 1))
operations:
  # SoftHSM2 computes in the daemon's own handler threads: one per core keeps every core
  # busy without time-slicing the token (a network HSM wants more: docs/performance.md).
  workerThreads: $(nproc)
YAML
if [[ ! -f "$dir/policy.yaml" ]]; then
  cat > "$dir/policy.yaml" <<'YAML'
# smimed demo policy (written by softhsm-config/provision-demo.sh). Deny by default.
callers:
  - name: demo-service
    subject: "CN=smimed demo client,O=smimed demo"
    sign: ["*@smimed.example"]
    decrypt: ["*@smimed.example"]
    maxConcurrent: 32
  - name: demo-officer
    subject: "CN=smimed demo officer,O=smimed demo"
    officer: true
YAML
fi
echo "config: $dir/smimed.yaml, policy: $dir/policy.yaml" >&2
