#!/usr/bin/env bash
# Installs the Debian packages smimed needs on a fresh machine, only those missing.
#   install-deps.sh           SoftHSM2 (to run the daemon on the embedded token)
#   install-deps.sh --test    plus what the tests use: OpenSC (pkcs11-tool), NSS tools
#                             (cmsutil, certutil), GnuTLS (p11tool), OpenSSL, gpgsm,
#                             OpenSSL's PKCS#11 engine (libengine-pkcs11-openssl) and
#                             util-linux's prlimit (a file size limit for the audit test)
#   install-deps.sh --bench   plus what scripts/bench.sh compares with: OpenSSL and its
#                             PKCS#11 engine
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;; esac

packages=(softhsm2)
commands=(softhsm2-util)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(opensc libnss3-tools gnutls-bin openssl gpgsm util-linux)
  commands+=(pkcs11-tool cmsutil p11tool openssl gpgsm prlimit)
elif [[ "${1:-}" == "--bench" ]]; then
  packages+=(openssl)
  commands+=(openssl)
elif [[ -n "${1:-}" ]]; then
  echo "usage: $0 [--test|--bench]" >&2
  exit 2
fi

missing=()
for i in "${!commands[@]}"; do
  command -v "${commands[$i]}" >/dev/null 2>&1 || missing+=("${packages[$i]}")
done
[[ -f /usr/lib/softhsm/libsofthsm2.so ]] || missing+=(softhsm2)
if [[ -n "${1:-}" ]] && ! compgen -G "/usr/lib/*/engines-3/pkcs11.so" >/dev/null; then
  missing+=(libengine-pkcs11-openssl)
fi
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
