#!/usr/bin/env bash
# Checks deploy/container/Containerfile against what Maven built, without a container engine
# (none runs on the build machines, so the image itself is not built here): the file the
# recipe COPYs exists, extracting it as the RUN step does yields the ENTRYPOINT's program,
# that program starts with the image's JAVA_OPTS, and the EXPOSEd ports are the ones the
# Kubernetes manifests use. Run after `mvn package`. Exit codes: 0 consistent, 1 not.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
recipe="$root/deploy/container/Containerfile"
fail() { echo "container recipe: $*" >&2; exit 1; }

[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }

src=$(awk '/^COPY /{print $2; exit}' "$recipe")
[[ -f "$root/$src" ]] || fail "COPY source $src does not exist (run mvn package first)"

image=$(mktemp -d)
trap 'rm -rf "$image"' EXIT
mkdir -p "$image/opt/smimed"
# The same extraction as the recipe's RUN step.
tar -xzf "$root/$src" -C "$image/opt/smimed" --strip-components=1

entry=$(sed -n 's/^ENTRYPOINT \["\([^"]*\)".*/\1/p' "$recipe")
[[ -x "$image$entry" ]] || fail "ENTRYPOINT $entry is not an executable in the distribution"
java_opts=$(sed -n 's/^ENV JAVA_OPTS="\(.*\)"$/\1/p' "$recipe")
JAVA_OPTS="$java_opts" "$image$entry" serve --help | grep -q -- "--config" \
  || fail "$entry serve --help does not offer --config"
JAVA_OPTS="$java_opts" "$image$entry" --version >/dev/null || fail "$entry --version failed"

for port in $(sed -n 's/^EXPOSE //p' "$recipe"); do
  grep -q "port: $port" "$root/deploy/kubernetes/configmap.yaml" \
    || grep -q "containerPort: $port" "$root/deploy/kubernetes/statefulset.yaml" \
    || fail "EXPOSE $port is used by neither kubernetes/configmap.yaml nor statefulset.yaml"
done
echo "container recipe: consistent with $src (entrypoint $entry, ports $(sed -n 's/^EXPOSE //p' "$recipe"))"
