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
# dovecot-imapd (a real IMAP bounce mailbox; the tests run it as a plain process with its own configuration),
# Node.js and npm (s3rver, a real S3-compatible server the image-library tests run as a plain process).
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null || need+=(python3 python3-aiosmtpd)
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
/usr/bin/python3 -c "import dkim, dns.resolver" 2>/dev/null || need+=(python3-dkim)
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -x /usr/lib/dovecot/pop3 ] || need+=(dovecot-pop3d)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# s3rver, pinned by tests/Shared/s3rver/package-lock.json; installed into that folder, once.
[ -f tests/Shared/s3rver/node_modules/s3rver/bin/s3rver.js ] || npm ci --prefix tests/Shared/s3rver --no-audit --no-fund --silent

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
