#!/usr/bin/env bash
# Creates a SoftHSM2 token in a directory of your choosing, with random PINs in files.
#   create-token.sh DIR LABEL
# Writes DIR/softhsm2.conf (use: export SOFTHSM2_CONF=DIR/softhsm2.conf), DIR/tokens/,
# DIR/user.pin and DIR/so.pin (both mode 600). Does nothing if the token already exists.
set -euo pipefail
usage="usage: $0 DIR LABEL
Creates a SoftHSM2 token labelled LABEL whose files live in DIR: DIR/softhsm2.conf (export
SOFTHSM2_CONF=DIR/softhsm2.conf to use it), DIR/tokens/, and random PINs in DIR/user.pin and
DIR/so.pin (mode 600). Does nothing if the token exists already.
Exit codes: 0 created or already there, 2 bad usage, any other a step failed (its message
says which)."
if [[ $# -ge 1 && ( "$1" == "-h" || "$1" == "--help" ) ]]; then
  echo "$usage"
  exit 0
fi
if [[ $# -ne 2 ]]; then
  echo "$usage" >&2
  exit 2
fi
dir=$(mkdir -p "$1" && cd "$1" && pwd)
label=$2
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$dir/tokens"
chmod 700 "$dir" "$dir/tokens"
sed "s#@TOKEN_DIR@#$dir/tokens#" "$here/softhsm2.conf.template" > "$dir/softhsm2.conf"
export SOFTHSM2_CONF="$dir/softhsm2.conf"

if softhsm2-util --show-slots 2>/dev/null | grep -Eq "Label:[[:space:]]+$label[[:space:]]*$"; then
  echo "token '$label' already exists in $dir/tokens" >&2
  exit 0
fi

umask 077
# PINs go to files, never to arguments of long-running processes or to the config.
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/user.pin"
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/so.pin"
softhsm2-util --init-token --free --label "$label" \
  --pin "$(cat "$dir/user.pin")" --so-pin "$(cat "$dir/so.pin")" >/dev/null
echo "token '$label' created; export SOFTHSM2_CONF=$dir/softhsm2.conf" >&2
