#!/usr/bin/env bash
# Large-message workload (docs/performance.md, must-reach 5), side by side in one run:
# decrypts one SIZE MiB message through a daemon whose heap is capped (-Xmx64m) with the
# `smime decrypt` CLI, and the same message with `openssl cms -decrypt` using the same RSA-2048
# key held in a file (the key is made by OpenSSL, then migrated into the token with
# `smimectl import-pkcs12`, so both sides use one key). Does it for AES-256-CBC
# (EnvelopedData) and AES-256-GCM (AuthEnvelopedData), checks every output against the
# plaintext's SHA-256. Each message is also decrypted by `smimed bench --large-message` (one
# long-running caller, after --prewarm): the daemon's streaming speed without a CLI start-up
# per message (columns bench_p50_seconds, bench_ratio). Then signs a SIZE MiB entity with
# `smime sign` in a 64 MiB heap.
#
#   scripts/bench-large.sh [OUT_DIR]   writes OUT_DIR/large.csv (default docs/bench)
# Environment: BENCH_LARGE_MIB (default 256), DAEMON_OPTS (default -Xmx64m),
# CLIENT_OPTS (default -Xmx64m), BENCH_LARGE_RUNS (default 3; the best run of each counts),
# BENCH_LARGE_PREWARM / BENCH_LARGE_SECONDS (default 20 / 20: the bench caller's runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
out=$(mkdir -p "${1:-$root/docs/bench}" && cd "${1:-$root/docs/bench}" && pwd)
mib=${BENCH_LARGE_MIB:-256}
runs=${BENCH_LARGE_RUNS:-3}
daemon_opts=${DAEMON_OPTS:--Xmx64m}
client_opts=${CLIENT_OPTS:--Xmx64m}
identity=large@smimed.example

"$root/softhsm-config/install-deps.sh"
for tool in openssl bc /usr/bin/time; do
  command -v "$tool" >/dev/null 2>&1 \
    || { echo "needs $tool (Debian: apt-get install openssl bc time)" >&2; exit 1; }
done
if [[ ! -f "$root/daemon/target/smimed.jar" || ! -f "$root/client-stub/target/smime.jar" ]]; then
  (cd "$root" && mvn -B -q package -DskipTests)
fi
dir=$(mktemp -d)
port=$((30000 + RANDOM % 20000))
"$root/softhsm-config/provision-demo.sh" "$dir" "$port" >/dev/null 2>&1
export SOFTHSM2_CONF="$dir/softhsm2.conf"
# Room for the message; in-flight budgets far below it, so it can only pass as a stream.
sed -i "s/^  maxMessageBytes: .*/  maxMessageBytes: $(( (mib + 16) * 1024 * 1024 ))\n\
  maxInFlightBytesPerCaller: 8388608\n  maxInFlightBytes: 16777216\n  maxDecryptSeconds: 3600/" \
  "$dir/smimed.yaml"
# shellcheck disable=SC2086
java $daemon_opts -jar "$root/daemon/target/smimed.jar" serve --config "$dir/smimed.yaml" \
  >"$dir/smimed.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 150); do
  grep -q "smimed: serving" "$dir/smimed.log" && break
  kill -0 $daemon 2>/dev/null || { cat "$dir/smimed.log" >&2; exit 1; }
  sleep 0.2
done
cd "$dir"

# One RSA-2048 key in a file, certified by the demo CA, and the same key in the token.
cat > large.ext <<EOF
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
subjectAltName = email:$identity
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl genrsa -out large.key 2048 2>/dev/null
openssl req -new -key large.key -subj "/CN=large/O=smimed demo" -out large.csr
openssl x509 -req -in large.csr -CA pki/ca.crt -CAkey pki/ca.key -CAcreateserial -days 30 \
  -extfile large.ext -out large.crt 2>/dev/null
export P12_PASSWORD=bench
openssl pkcs12 -export -inkey large.key -in large.crt -certfile pki/ca.crt \
  -passout env:P12_PASSWORD -out large.p12
smimectl() {
  java -cp "$root/client-stub/target/smime.jar" org.smimed.client.admin.SmimectlCli "$@" \
    --target "localhost:$((port + 1))" --ca pki/ca.crt --cert pki/officer.crt --key pki/officer.key
}
smimectl import-pkcs12 "$identity" large.p12 --password-env P12_PASSWORD >/dev/null
smimectl activate "$identity/v1" >/dev/null

# The launcher users run (bin/smime, with its JVM defaults), the client heap capped too.
smime=(env "JAVA_OPTS=$client_opts" "$root/client-stub/bin/smime")
connection=(--target "localhost:$port" --ca pki/ca.crt --cert pki/client.crt
  --key pki/client.key --deadline 3600)
now() { date +%s.%N; }
cpu() { # CPU seconds the daemon has used so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$daemon/stat"
}
best() { # best of $runs runs of "$@": "wall_seconds cpu_seconds" (cpu: the command's own)
  local b="" c="" w u
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -f '%e %U %S' -o "$dir/time.txt" "$@"
    read -r w u s < "$dir/time.txt"
    if [[ -z "$b" ]] || (( $(echo "$w < $b" | bc -l) )); then
      b=$w; c=$(echo "$u + $s" | bc -l)
    fi
  done
  echo "$b $c"
}

head -c $((mib * 1024 * 1024)) /dev/urandom > plain.bin
want=$(sha256sum < plain.bin | cut -d' ' -f1)
echo "workload,size_mib,openssl_seconds,smimed_seconds,ratio,openssl_cpu_seconds,client_cpu_seconds,daemon_cpu_seconds,cpu_ratio,daemon_opts,client_opts,bench_p50_seconds,bench_ratio" \
  > "$out/large.csv"
for cipher in aes-256-cbc aes-256-gcm; do
  openssl cms -encrypt -binary "-$cipher" -outform DER -in plain.bin -out msg.der large.crt
  { printf 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n'
    printf 'Content-Transfer-Encoding: binary\r\n\r\n'; cat msg.der; } > msg.eml
  read -r t_openssl u_openssl < <(best openssl cms -decrypt -binary -inform DER -in msg.der -inkey large.key \
    -recip large.crt -out openssl.out)
  c0=$(cpu)
  read -r t_smimed u_client < <(best "${smime[@]}" decrypt --identity "$identity" \
    --in msg.eml --out smimed.out "${connection[@]}")
  c_daemon=$(echo "($(cpu) - $c0) / $runs" | bc -l)
  for f in openssl.out smimed.out; do
    [[ $(sha256sum < "$f" | cut -d' ' -f1) == "$want" ]] || { echo "$f: wrong plaintext" >&2; exit 1; }
  done
  grep -q OutOfMemoryError smimed.log && { echo "daemon ran out of memory" >&2; exit 1; }
  ratio=$(echo "$t_openssl / $t_smimed" | bc -l)
  cpu_ratio=$(echo "$u_openssl / ($u_client + $c_daemon)" | bc -l)
  # The same message through a long-running caller (smimed bench, JIT warm after --prewarm):
  # the daemon's own streaming speed, without a CLI's JVM start-up per message.
  java -jar "$root/daemon/target/smimed.jar" bench "${connection[@]:0:8}" --identity "$identity" \
    --workload decrypt-large --large-message msg.der --concurrency 1 --warmup 0 \
    --prewarm "${BENCH_LARGE_PREWARM:-20}" --duration "${BENCH_LARGE_SECONDS:-20}" \
    --deadline 3600 --csv "bench-$cipher.csv" >/dev/null
  bench_p50=$(awk -F, 'NR == 2 && $5 == 0 { printf "%.3f", $8 / 1e6 }' "bench-$cipher.csv")
  [[ -n "$bench_p50" ]] || { echo "bench decrypt-large failed" >&2; cat "bench-$cipher.csv" >&2; exit 1; }
  bench_ratio=$(echo "$t_openssl / $bench_p50" | bc -l)
  printf 'decrypt-%s,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%s,%s,%.3f,%.2f\n' "$cipher" "$mib" \
    "$t_openssl" "$t_smimed" "$ratio" "$u_openssl" "$u_client" "$c_daemon" "$cpu_ratio" \
    "$daemon_opts" "$client_opts" "$bench_p50" "$bench_ratio" | tee -a "$out/large.csv"
  rm -f msg.der msg.eml openssl.out smimed.out
done

{ printf 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  base64 -w 76 plain.bin | sed 's/$/\r/'; } > entity.eml
read -r t_sign u_sign < <(best "${smime[@]}" sign --identity "$identity" --in entity.eml \
  --out signed.eml "${connection[@]}")
openssl cms -verify -in signed.eml -CAfile pki/ca.crt -out /dev/null 2>verify.txt
grep -q "Verification successful" verify.txt
printf 'sign-detached,%d,,%.2f,,,%.2f,,,%s,%s,,\n' "$(( $(stat -c %s entity.eml) / 1048576 ))" \
  "$t_sign" "$u_sign" "$daemon_opts" "$client_opts" | tee -a "$out/large.csv"
echo "results: $out/large.csv"
