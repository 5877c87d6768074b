#!/usr/bin/env bash
# Installs what `make bench-thread` needs, each only when missing: nginx (the static-file
# baseline) and wrk (the load generator) from Debian; oha from crates.io where Debian has
# no wrk. nginx is never left running as a system service: the benchmark starts its own
# with a config in a temp dir.
set -euo pipefail

missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
want_wrk=0
if ! command -v wrk >/dev/null && ! command -v oha >/dev/null; then
  want_wrk=1
fi

if ((${#missing[@]} || want_wrk)); then
  apt-get update
  if ((want_wrk)); then
    if [[ -n "$(apt-cache policy wrk 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)')" ]]; then
      missing+=(wrk)
      want_wrk=0
    fi
  fi
  if ((${#missing[@]})); then
    # Debian's postinst starts nginx; policy-rc.d 101 forbids that for this install.
    policy=/usr/sbin/policy-rc.d
    added_policy=0
    if [[ ! -e "$policy" ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod +x "$policy"
      added_policy=1
    fi
    status=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" || status=$?
    if ((added_policy)); then rm -f "$policy"; fi
    if ((status)); then exit "$status"; fi
  fi
  if ((want_wrk)); then
    echo "Debian has no wrk here; installing oha from crates.io…"
    cargo install --locked oha
  fi
fi

# Whatever started it (an earlier install, a reboot), the system nginx is not wanted.
if [[ -f /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
  service nginx stop >/dev/null 2>&1 || true
  if [[ -f /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    kill "$(cat /run/nginx.pid)" || true
  fi
fi
# Not started at boot either (both work without a running init).
if [[ -e /lib/systemd/system/nginx.service ]] && command -v systemctl >/dev/null; then
  systemctl disable nginx >/dev/null 2>&1 || true
fi
if [[ -e /etc/init.d/nginx ]] && command -v update-rc.d >/dev/null; then
  update-rc.d nginx disable >/dev/null 2>&1 || true
fi

nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
echo "nginx: $("$nginx_bin" -v 2>&1)"
if command -v wrk >/dev/null; then
  echo "wrk: $(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo installed)"
else
  echo "oha: $(oha --version)"
fi
