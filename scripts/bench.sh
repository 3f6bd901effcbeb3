#!/usr/bin/env bash
# Measures smimed against the raw token, side by side in one run (see docs/performance.md):
# sets up a demo deployment in a temporary directory, starts the daemon, and runs
# `smimed bench` for RSA-2048 (Sign digest mode, SignBatch of 64, Decrypt 4 KiB as one
# DecryptMessage call and through the streaming Decrypt) and ECDSA
# P-256 (Sign digest mode) at 1, 2, 4, 8 and 16 concurrent callers over mutual TLS, with the
# in-process SunPKCS11 baseline interleaved level by level. Then Sign latency in an open loop
# at half the closed-loop peak, beside the raw token at half of its own (rate-rsa-demo.csv,
# rate-ec-demo.csv), the RSA Sign and DecryptMessage runs again with one thread per caller
# (rsa2048-threads.csv, against the default asynchronous callers), and smimed's Sign of 4 KiB
# content against
# `openssl cms -sign` through OpenSSL's PKCS#11 engine, one process per message
# (scripts/bench-openssl-engine.sh; openssl-engine.csv, with the ratio).
#
#   scripts/bench.sh [OUT_DIR]        results as CSV and SVG in OUT_DIR (default docs/bench)
# Environment: BENCH_SECONDS (default 10) measured seconds per run, BENCH_WARMUP (default 3),
# BENCH_CONCURRENCY (default 1,2,4,8,16), BENCH_PREWARM (default 30: unmeasured seconds per
# workload before its first run, in the same caller process, so caller and daemon are past
# their JIT compilation), BENCH_RATE_CONCURRENCY (default 16: the callers
# whose peak the half-peak rate derives from), DAEMON_OPTS (JVM options of the daemon),
# BENCH_WORKER_THREADS (operations.workerThreads of the daemon; default: its own default),
# BENCH_EC_CONCURRENCY (default: BENCH_CONCURRENCY and 32: an ECDSA signature is so cheap that
# the daemon peaks beyond 16 callers).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
out=$(mkdir -p "${1:-$root/docs/bench}" && cd "${1:-$root/docs/bench}" && pwd)
seconds=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-3}
levels=${BENCH_CONCURRENCY:-1,2,4,8,16}

"$root/softhsm-config/install-deps.sh" --bench
if [[ ! -f "$root/daemon/target/smimed.jar" ]]; then
  (cd "$root" && mvn -B -q package -DskipTests)
fi
dir=$(mktemp -d)
port=$((30000 + RANDOM % 20000))
"$root/softhsm-config/provision-demo.sh" "$dir" "$port" >/dev/null
export SOFTHSM2_CONF="$dir/softhsm2.conf"
# The bench is one caller: the demo's cap of 32 calls in flight would refuse its 32 ECDSA
# callers and the open loop's bursts, and a refused call's time counts in no percentile.
sed -i "s/^    maxConcurrent: 32$/    maxConcurrent: 128/" "$dir/policy.yaml"
if [[ -n "${BENCH_WORKER_THREADS:-}" ]]; then
  # In place: a second operations: block would be refused (a key given twice).
  sed -i "s/^  workerThreads: .*/  workerThreads: $BENCH_WORKER_THREADS/" "$dir/smimed.yaml"
fi
# shellcheck disable=SC2086
java ${DAEMON_OPTS:-} -jar "$root/daemon/target/smimed.jar" serve --config "$dir/smimed.yaml" \
  >"$dir/smimed.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 150); do
  grep -q "smimed: serving" "$dir/smimed.log" && break
  kill -0 $daemon 2>/dev/null || { cat "$dir/smimed.log" >&2; exit 1; }
  sleep 0.2
done

bench() {
  java -jar "$root/daemon/target/smimed.jar" bench --target "localhost:$port" \
    --ca "$dir/pki/ca.crt" --cert "$dir/pki/client.crt" --key "$dir/pki/client.key" \
    --token-label smimed-demo --pin-file "$dir/user.pin" \
    --duration "$seconds" --warmup "$warmup" --concurrency "${run_levels:-$levels}" \
    --prewarm "${BENCH_PREWARM:-30}" "$@"
}
# A daemon in service has run for hours: before anything is measured, let the JIT compile
# the call paths (measured: a fresh daemon spends as much CPU compiling as serving for its
# first ~10,000 calls). The same pre-warm warms the in-process baseline's code in the bench.
echo "== RSA-2048 (rsa-demo@smimed.example)"
bench --identity rsa-demo@smimed.example --workload sign-digest,sign-batch-64,decrypt-4k,decrypt-4k-stream \
  --csv "$out/rsa2048.csv" --svg "$out/rsa2048.svg"
# The caller model of runs A-H (one blocked thread per caller) beside the default asynchronous
# callers, same daemon, same run: how much of the ratio is the load generator's own hand-offs.
echo "== RSA-2048 Sign with one thread per caller (--callers threads)"
run_levels=${BENCH_RATE_CONCURRENCY:-16} bench --identity rsa-demo@smimed.example \
  --workload sign-digest,decrypt-4k --callers threads --csv "$out/rsa2048-threads.csv"
echo "== ECDSA P-256 (ec-demo@smimed.example)"
run_levels=${BENCH_EC_CONCURRENCY:-$levels,32} bench --identity ec-demo@smimed.example \
  --workload sign-digest \
  --csv "$out/p256.csv" --svg "$out/p256.svg"
echo "== Sign at half the closed-loop peak, open loop (${BENCH_RATE_CONCURRENCY:-16} callers)"
for identity in rsa-demo@smimed.example ec-demo@smimed.example; do
  run_levels=${BENCH_RATE_CONCURRENCY:-16} bench --identity "$identity" --workload sign-digest \
    --rate-fraction 0.5 --csv "$out/rate-${identity%%@*}.csv"
done
echo "== smimed Sign 4 KiB content against openssl cms -sign through the PKCS#11 engine"
bench --identity rsa-demo@smimed.example --workload sign-content-4k \
  --csv "$out/sign-content-4k.csv"
"$root/scripts/bench-openssl-engine.sh" --token-label smimed-demo --pin-file "$dir/user.pin" \
  --object rsa-demo@smimed.example/v1 --signer "$dir/pki/rsa-demo@smimed.example.crt" \
  --ca "$dir/pki/ca.crt" --seconds "$seconds" --compare-csv "$out/sign-content-4k.csv" \
  --out "$out/openssl-engine.csv"
# The same engine rate against the other ways a service signs a message with smimed: a digest
# per Sign call (what `smime sign` sends) and 64 digests per SignBatch call (a bulk signer).
engine_rate=$(awk -F, 'NR == 2 {print $7}' "$out/openssl-engine.csv")
{
  echo "workload,concurrency,daemon_messages_per_s,engine_messages_per_s,ratio"
  for workload in sign-content-4k sign-digest sign-batch-64; do
    awk -F, -v wl="$workload" -v e="$engine_rate" '
      FNR == 1 {for (i = 1; i <= NF; i++) col[$i] = i; next}
      $col["workload"] == wl && $col["mode"] == "daemon" && $col["ops_per_s"] + 0 > best {
        best = $col["ops_per_s"] + 0; c = $col["concurrency"]}
      END {if (best > 0) printf "%s,%s,%.1f,%s,%.2f\n", wl, c, best, e, best / e}' \
      "$out/sign-content-4k.csv" "$out/rsa2048.csv"
  done
} | tee "$out/openssl-engine-ratios.csv"
echo "results: $out"
