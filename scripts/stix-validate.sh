#!/usr/bin/env bash
# Validates STIX 2.1 JSON files with the OASIS validator (stix2-validator), which checks
# the schemas, the MUST rules and the recommended practices, so a bundle the simulator
# produces is known to be STIX and not just what our own parser accepts.
#
#   scripts/stix-validate.sh FILE_OR_DIR...
#
# The validator lives in a Python virtual environment at ${VAERN_VENV:-/var/cache/vaern/stix-venv},
# created on first use. Exits non-zero when any file has an error. Warnings (best-practice
# "SHOULD"s) are printed but do not fail: Værn's documented custom property
# `x_vaern_severity` is reported as one (extensions-use, 401). STIX_VALIDATE_STRICT=1 makes
# warnings fail too.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 FILE_OR_DIR..." >&2
  exit 2
fi

venv="${VAERN_VENV:-/var/cache/vaern/stix-venv}"

if [ ! -x "$venv/bin/stix2_validator" ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    # Debian ships venv and ensurepip in a separate package.
    echo "Installing python3-venv…" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  echo "Creating the validator's environment in $venv…" >&2
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check stix2-validator
fi

# --version 2.1: the spec we produce; --enforce-refs: every object a relationship or
# sighting refers to must be in the same bundle; -r: descend into directories.
flags=(--version 2.1 --enforce-refs -r)
if [ "${STIX_VALIDATE_STRICT:-0}" = 1 ]; then
  flags+=(--strict)
fi

# The validator's exit status is a bit mask (1: failure, 2: schema invalid, ...); any
# non-zero status fails the script.
"$venv/bin/stix2_validator" "${flags[@]}" "$@"
