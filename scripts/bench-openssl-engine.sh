#!/usr/bin/env bash
# What a user would otherwise script: `openssl cms -sign` with the key in the PKCS#11 token
# through the OpenSSL engine (Debian libengine-pkcs11-openssl), one process per message,
# PARALLEL processes at once (default: the core count), for SECONDS. Prints and writes the
# messages signed per second; with --compare-csv, also the ratio of smimed's best Sign
# content-mode rate (from a `smimed bench --workload sign-content-4k` CSV of the same run)
# to it. Before timing, signs once and verifies the signature (openssl cms -verify, against
# --ca if given), so only working signatures are compared.
#
#   scripts/bench-openssl-engine.sh --pin-file FILE --signer CERT [options]
#     --token-label L     token holding the key (default smimed-demo)
#     --object LABEL      CKA_LABEL of the private key (default rsa-demo@smimed.example/v1)
#     --pin-file FILE     user PIN (one line); given to the engine as pin-source=file:...,
#                         never on a command line
#     --signer CERT       PEM certificate of the key
#     --ca CERT           PEM CA to verify the test signature with (default: -noverify)
#     --module PATH       PKCS#11 library (default /usr/lib/softhsm/libsofthsm2.so)
#     --seconds N         measured seconds (default 10)     --parallel N   (default nproc)
#     --bytes N           message size (default 4096)       --out FILE     CSV result
#     --compare-csv FILE  smimed bench CSV holding sign-content-4k daemon rows
#     --workload NAME     workload to compare with (default sign-content-4k; sign-digest
#                         and sign-batch-64 count one message per signature)
# SoftHSM2 finds the token through SOFTHSM2_CONF, as for the daemon.
# Exit codes: 0 measured; 1 the test signature failed or no message was signed; 2 bad usage.
set -euo pipefail
usage() { sed -n '2,/^[^#]/{/^#/p}' "$0"; }
die_usage() { echo "bench-openssl-engine.sh: $1 (see --help)" >&2; exit 2; }

label=smimed-demo object=rsa-demo@smimed.example/v1 pin_file="" signer="" ca=""
module=/usr/lib/softhsm/libsofthsm2.so seconds=10 parallel=$(nproc) bytes=4096
out="" compare="" workload=sign-content-4k
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --token-label|--object|--pin-file|--signer|--ca|--module|--seconds|--parallel|--bytes|--out|--compare-csv|--workload)
      [[ $# -ge 2 ]] || die_usage "$1 needs a value"
      case "$1" in
        --token-label) label=$2 ;; --object) object=$2 ;; --pin-file) pin_file=$2 ;;
        --signer) signer=$2 ;; --ca) ca=$2 ;; --module) module=$2 ;; --seconds) seconds=$2 ;;
        --parallel) parallel=$2 ;; --bytes) bytes=$2 ;; --out) out=$2 ;;
        --compare-csv) compare=$2 ;; --workload) workload=$2 ;;
      esac
      shift 2 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[[ -n "$pin_file" && -r "$pin_file" ]] || die_usage "--pin-file must name a readable file"
[[ -n "$signer" && -r "$signer" ]] || die_usage "--signer must name a readable certificate"
[[ -z "$ca" || -r "$ca" ]] || die_usage "--ca must name a readable certificate"
[[ -z "$compare" || -r "$compare" ]] || die_usage "--compare-csv must name a readable file"
for n in seconds parallel bytes; do
  [[ "${!n}" =~ ^[1-9][0-9]*$ ]] || die_usage "--$n must be a positive integer"
done
engine_lib=$(ls /usr/lib/*/engines-3/pkcs11.so 2>/dev/null | head -1 || true)
[[ -n "$engine_lib" ]] || { echo "libengine-pkcs11-openssl is not installed" >&2; exit 1; }

# RFC 7512: every byte outside the unreserved set is percent-encoded in a path attribute.
pct() {
  local s=$1 i c out=""
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in [A-Za-z0-9._~-]) out+=$c ;; *) out+=$(printf '%%%02X' "'$c") ;; esac
  done
  printf '%s' "$out"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/openssl.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine_lib
MODULE_PATH = $module
init = 0
CNF
export OPENSSL_CONF="$work/openssl.cnf"
head -c "$bytes" /dev/urandom > "$work/message"
# libp11 takes the whole file as the PIN, newline included: hand it a copy without one.
(umask 077 && tr -d '\r\n' < "$pin_file" > "$work/pin")
pin_file="$work/pin"
uri="pkcs11:token=$(pct "$label");object=$(pct "$object");type=private?pin-source=file:$pin_file"
sign() {  # sign OUT ERRFILE
  openssl cms -sign -binary -engine pkcs11 -keyform engine -inkey "$uri" -signer "$signer" \
    -in "$work/message" -outform DER -out "$1" 2>"$2"
}

# One signature first, verified, so the timed loop measures signatures that work.
if ! sign "$work/check.der" "$work/sign.err"; then
  echo "openssl cms -sign through the pkcs11 engine failed:" >&2
  grep -v '^Engine "pkcs11" set' "$work/sign.err" >&2 || true
  echo "(is SOFTHSM2_CONF set to the token's configuration? token '$label', key '$object')" >&2
  exit 1
fi
trust=(-noverify)
[[ -n "$ca" ]] && trust=(-CAfile "$ca")
if ! openssl cms -verify -binary -inform DER -in "$work/check.der" -content "$work/message" \
    "${trust[@]}" -out /dev/null 2>"$work/verify.err"; then
  echo "the engine's signature does not verify:" >&2; cat "$work/verify.err" >&2; exit 1
fi
echo "openssl-engine: the test signature verifies (openssl cms -verify ${trust[*]})"

# EPOCHREALTIME (bash 5) reads the clock without forking, so the loop costs no extra process.
start=${EPOCHREALTIME/./}
deadline=$((start + seconds * 1000000))
for w in $(seq 1 "$parallel"); do
  (
    ok=0 failed=0
    while ((${EPOCHREALTIME/./} < deadline)); do
      if sign /dev/null "$work/err.$w"; then
        ok=$((ok + 1))
      else
        failed=$((failed + 1)) && cp "$work/err.$w" "$work/failure.$w"
      fi
    done
    echo "$ok $failed" > "$work/worker.$w"
  ) 2>/dev/null &  # the shell's own "Segmentation fault" notices: the failures are counted
done
wait
elapsed_ns=$(((${EPOCHREALTIME/./} - start) * 1000))
read -r signed failed < <(cat "$work"/worker.* | awk '{s += $1; f += $2} END {print s, f}')
rate=$(awk -v n="$signed" -v ns="$elapsed_ns" 'BEGIN {printf "%.1f", n / (ns / 1e9)}')
echo "openssl-engine: $signed messages of $bytes bytes signed in $(awk -v ns="$elapsed_ns" \
  'BEGIN {printf "%.2f", ns / 1e9}') s by $parallel parallel processes: $rate messages/s," \
  "$failed failed"
if ((failed > 0)); then
  echo "openssl-engine: a failed process said:" \
    "$(cat "$work"/failure.* | grep -v '^Engine "pkcs11" set' | head -1)"
fi
((signed > 0)) || { echo "no message was signed" >&2; exit 1; }

# The daemon's best messages/s for the workload, from smimed bench's CSV (columns by header):
# its private-key operations per second, one per signed message (64 per SignBatch call).
daemon_rate="" daemon_c="" ratio=""
if [[ -n "$compare" ]]; then
  read -r daemon_rate daemon_c < <(awk -F, -v wl="$workload" '
    NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i; next}
    $col["workload"] == wl && $col["mode"] == "daemon" && $col["ops_per_s"] + 0 > best {
      best = $col["ops_per_s"] + 0; c = $col["concurrency"]}
    END {if (best > 0) print best, c}' "$compare") || true
  if [[ -n "$daemon_rate" ]]; then
    ratio=$(awk -v d="$daemon_rate" -v o="$rate" 'BEGIN {printf "%.2f", d / o}')
    echo "smimed $workload: $daemon_rate messages/s at $daemon_c callers;" \
      "ratio smimed / openssl-engine = $ratio"
  else
    echo "no daemon row for $workload in $compare" >&2
  fi
fi
if [[ -n "$out" ]]; then
  {
    echo "tool,bytes,parallel,seconds,signed,failed,messages_per_s,daemon_workload,daemon_concurrency,daemon_messages_per_s,ratio"
    echo "openssl-cms-pkcs11-engine,$bytes,$parallel,$(awk -v ns="$elapsed_ns" \
      'BEGIN {printf "%.3f", ns / 1e9}'),$signed,$failed,$rate,${compare:+$workload},$daemon_c,$daemon_rate,$ratio"
  } > "$out"
fi
