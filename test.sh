#!/usr/bin/env bash
# Runs every test project of CampaignStudio. Installs what the tests need when it is missing
# (idempotent: nothing is installed twice), then prints one summary line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages the tests use: Chromium (Playwright end-to-end), aiosmtpd (a real SMTP server on 127.0.0.1),
# PostgreSQL's server binaries (the tests start their own server; the package's cluster service is not used),
# dnsmasq (a real DNS server on 127.0.0.1 for the DKIM/SPF/DMARC check), python3-dkim (an independent DKIM verifier),
# dovecot-imapd (a real IMAP bounce mailbox; the tests run it as a plain process with its own configuration).
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null || need+=(python3 python3-aiosmtpd)
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
/usr/bin/python3 -c "import dkim, dns.resolver" 2>/dev/null || need+=(python3-dkim)
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -x /usr/lib/dovecot/pop3 ] || need+=(dovecot-pop3d)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

dotnet tool restore >/dev/null
results="TestResults"
rm -rf "$results"

if ! dotnet build CampaignStudio.sln -c Release -nologo -v quiet; then
  echo "0 passed, 1 failed"
  exit 1
fi

# One project at a time: on two cores parallel test hosts only fight, and each project gets its own TRX file.
rc=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --nologo --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" || rc=1
done

# One line of our own, summed over every project's TRX file.
read -r passed failed total < <(awk '
  /<Counters / {
    match($0, /total="[0-9]+"/);  t += substr($0, RSTART + 7, RLENGTH - 8)
    match($0, /passed="[0-9]+"/); p += substr($0, RSTART + 8, RLENGTH - 9)
    match($0, /failed="[0-9]+"/); f += substr($0, RSTART + 8, RLENGTH - 9)
    match($0, /error="[0-9]+"/);  f += substr($0, RSTART + 7, RLENGTH - 8)
  }
  END { print p + 0, f + 0, t + 0 }' "$results"/*.trx 2>/dev/null)

if [ "${total:-0}" -eq 0 ] || [ "$rc" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  failed=$(( ${failed:-0} + 1 ))   # a crashed or empty run counts as a failure
fi
echo "${passed:-0} passed, ${failed} failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
