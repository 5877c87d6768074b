#!/usr/bin/env bash
# Creates the Python environment with the OASIS TAXII 2.1 server (medallion) and client
# (taxii2-client) that the integration tests start on loopback: the poller is tested
# against a real TAXII server, and our own TAXII server against a real client. It also
# holds the OASIS STIX validator, which checks the feedback notes Værn writes itself.
#
#   scripts/install-taxii-venv.sh
#
# The environment lives at ${VAERN_TAXII_VENV:-/var/cache/vaern/taxii-venv}. Idempotent:
# an environment that already has the three packages is left alone.
set -euo pipefail

venv="${VAERN_TAXII_VENV:-/var/cache/vaern/taxii-venv}"

if [ -x "$venv/bin/medallion" ] && "$venv/bin/python" -c 'import medallion, taxii2client, stix2validator' 2>/dev/null; then
  exit 0
fi

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  # Debian ships venv and ensurepip in a separate package.
  echo "Installing python3-venv…" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
fi

echo "Creating the TAXII test environment in $venv…" >&2
mkdir -p "$(dirname "$venv")"
if [ ! -x "$venv/bin/pip" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check medallion taxii2-client stix2-validator
"$venv/bin/python" -c 'import medallion, taxii2client, stix2validator'
echo "TAXII test environment ready: $venv/bin/medallion" >&2
