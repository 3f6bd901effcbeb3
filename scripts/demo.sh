#!/usr/bin/env bash
# Quick start, command 1: runs smimed on the embedded SoftHSM2 default and shows it signing
# and decrypting. On a fresh machine it installs SoftHSM2, builds smimed, creates the demo
# token and identities in .smimed-demo/, starts the daemon, then runs a sign/verify and an
# encrypt/decrypt round trip through the smime CLI. The daemon keeps serving until Ctrl-C.
#
#   scripts/demo.sh            demo, then keep serving
#   scripts/demo.sh --no-wait  demo, then stop the daemon and exit (used by the test command)
# Environment: SMIMED_DEMO_PORT (default 8443), SMIMED_DEMO_DIR (default .smimed-demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
wait_after=1
case "${1:-}" in
  "") ;;
  --no-wait) wait_after=0 ;;
  -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--no-wait]" >&2; exit 2 ;;
esac
port=${SMIMED_DEMO_PORT:-8443}
dir=${SMIMED_DEMO_DIR:-$root/.smimed-demo}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing SoftHSM2 if missing"
"$root/softhsm-config/install-deps.sh"

if [[ ! -f "$root/daemon/target/smimed.jar" || ! -f "$root/client-stub/target/smime.jar" ]]; then
  step "Building smimed (mvn package, tests skipped: run scripts/test.sh for those)"
  (cd "$root" && mvn -B -q package -DskipTests)
fi

step "Creating the demo token and identities in $dir"
"$root/softhsm-config/provision-demo.sh" "$dir" "$port"
export SOFTHSM2_CONF="$dir/softhsm2.conf"

step "Starting the daemon on localhost:$port"
log="$dir/smimed.log"
java -jar "$root/daemon/target/smimed.jar" serve --config "$dir/smimed.yaml" >"$log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
# -s: the backgrounded shell may not have created the log yet (it printed a grep error).
for _ in $(seq 1 100); do
  grep -qs "smimed: serving" "$log" && break
  kill -0 $daemon 2>/dev/null || { cat "$log" >&2; echo "daemon did not start" >&2; exit 1; }
  sleep 0.2
done
grep "smimed: serving" "$log" || { cat "$log" >&2; exit 1; }

# Mutual TLS: the smime CLI presents the demo service's client certificate.
export SMIME_TARGET="localhost:$port" SMIME_CA="$dir/pki/ca.crt"
export SMIME_CERT="$dir/pki/client.crt" SMIME_KEY="$dir/pki/client.key"
smime() { "$root/client-stub/bin/smime" "$@"; }
work="$dir/roundtrip"
mkdir -p "$work"
# The MIME entity that is signed and encrypted, and the message around it.
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nHello from a key that never left the token.\r\n' > "$work/entity.eml"
{ printf 'From: rsa-demo@smimed.example\r\nTo: someone@example.org\r\nSubject: smimed demo\r\n'
  cat "$work/entity.eml"; } > "$work/message.eml"
# What verify and decrypt give back must be that entity, byte for byte.
same() { cmp -s "$work/entity.eml" "$1" || { echo "demo: $1 is not the entity sent" >&2; exit 1; }; }

step "Sign as rsa-demo@smimed.example (only the digest travels), then verify locally"
smime sign --identity rsa-demo@smimed.example --in "$work/message.eml" --out "$work/signed.eml"
smime verify --trust "$dir/pki/ca.crt" --in "$work/signed.eml" --out "$work/verified.eml"
same "$work/verified.eml"
grep -m1 "Content-Type: multipart/signed" "$work/signed.eml"

step "Sign as ec-demo@smimed.example (ECDSA P-256), encapsulated, then verify"
sed 's/^From: rsa-demo/From: ec-demo/' "$work/message.eml" > "$work/message-ec.eml"
smime sign --identity ec-demo@smimed.example --encapsulate --in "$work/message-ec.eml" \
  --out "$work/signed-ec.eml"
smime verify --trust "$dir/pki/ca.crt" --in "$work/signed-ec.eml" --out "$work/verified-ec.eml"
same "$work/verified-ec.eml"

step "Encrypt locally to rsa-demo's certificate (AES-256-GCM), decrypt through the daemon"
smime encrypt --recipient "$dir/pki/rsa-demo@smimed.example.crt" --in "$work/message.eml" \
  --out "$work/encrypted.eml"
grep -m1 "smime-type=authEnveloped-data" "$work/encrypted.eml"
smime decrypt --in "$work/encrypted.eml" --out "$work/decrypted.eml"
same "$work/decrypted.eml"
cat "$work/decrypted.eml"
echo
echo "Round trip OK: signed, verified, encrypted and decrypted, the entity back byte for byte; files in $work"

step "The demo security officer lists the token's keys over the admin listener (smimectl)"
SMIMECTL_TARGET="localhost:$((port + 1))" SMIMECTL_CA="$dir/pki/ca.crt" \
  SMIMECTL_CERT="$dir/pki/officer.crt" SMIMECTL_KEY="$dir/pki/officer.key" \
  "$root/client-stub/bin/smimectl" list

step "Every call above is in the hash-chained audit log; smimectl verifies it"
tail -n 1 "$dir/log/audit.log"
"$root/client-stub/bin/smimectl" audit verify "$dir/log/audit.log"

if [[ $wait_after -eq 1 ]]; then
  step "smimed is serving on localhost:$port (log: $log). Press Ctrl-C to stop."
  echo "Try: export SMIME_TARGET=localhost:$port SMIME_CA=$dir/pki/ca.crt"
  echo "     export SMIME_CERT=$dir/pki/client.crt SMIME_KEY=$dir/pki/client.key"
  echo "     client-stub/bin/smime sign --identity rsa-demo@smimed.example --in $work/message.eml"
  echo "Officer: export SMIMECTL_TARGET=localhost:$((port + 1)) SMIMECTL_CA=$dir/pki/ca.crt"
  echo "     export SMIMECTL_CERT=$dir/pki/officer.crt SMIMECTL_KEY=$dir/pki/officer.key"
  echo "     client-stub/bin/smimectl list"
  wait $daemon
fi
