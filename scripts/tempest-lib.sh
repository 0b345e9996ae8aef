# shellcheck shell=bash
# Shared steps of the Tempest runner scripts (scripts/tempest-identity.sh, scripts/tempest-image.sh).
# Sourced, not run. Each runner keeps its own arguments, env variables, reachability checks, the
# service-specific tempest.conf sections and its summary line prefix; these functions do the rest.
#
# The caller sets, before calling:
#   TL_NAME        message prefix and workspace name stem: tempest-identity / tempest-image
#   URI_V3 ADMIN_USER ADMIN_PASSWORD ADMIN_PROJECT ADMIN_DOMAIN REGION ENDPOINT_TYPE
# The functions set (globals, read by the later ones and by the caller):
#   WS CLEAN (tempest_workspace)   rc secs (tempest_run_tests)   ran passed failed skipped (tempest_summary)

# Use the system python3/tempest, apt-installing Debian's tempest package if missing (needs root).
tempest_require() {
  # Trap: a pyenv/venv python3 first on PATH lacks the Debian tempest modules; use the system one.
  export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PATH"
  if ! command -v tempest >/dev/null 2>&1 || ! dpkg -s tempest >/dev/null 2>&1; then
    echo "$TL_NAME: installing Debian's tempest package" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tempest
  fi
}

# Exit 2 unless the identity endpoint $URI_V3 answers a GET.
tempest_check_identity() {
  if ! curl -fsS -m 10 -o /dev/null "$URI_V3"; then
    echo "$TL_NAME: $URI_V3 does not answer (GET $URI_V3)" >&2
    exit 2
  fi
}

# Set WS (the workspace) and CLEAN (1: remove it at the end): $TEMPEST_WORKDIR if given (reused,
# kept), else a fresh /tmp/$TL_NAME.XXXXXX/ws; TEMPEST_KEEP=1 keeps it. `tempest init` it unless
# it already is a workspace.
tempest_workspace() {
  if [ -n "${TEMPEST_WORKDIR:-}" ]; then
    WS="$TEMPEST_WORKDIR"; CLEAN=0
  else
    WS="$(mktemp -d "/tmp/$TL_NAME.XXXXXX")/ws"; CLEAN=1
  fi
  [ "${TEMPEST_KEEP:-0}" = 1 ] && CLEAN=0
  local reg
  reg="$(dirname "$WS")/workspace.yaml"
  if [ ! -f "$WS/.stestr.conf" ]; then
    # --workspace-path keeps the registry out of ~/.tempest; the name must be unique in it.
    tempest init --workspace-path "$reg" --name "${TL_NAME#tempest-}-$$" "$WS" >/dev/null
  fi
}

# Print the tempest.conf sections both runners share: [DEFAULT] [oslo_concurrency] [auth] [identity]
# and the start of [identity-feature-enabled] (v3 only). It ends inside that section, so the caller's
# text may add keys to it before its own sections.
tempest_conf_common() {
  cat <<CONF
[DEFAULT]
log_dir = $WS
log_file = tempest.log
debug = false

[oslo_concurrency]
lock_path = $WS/lock

[auth]
use_dynamic_credentials = true
create_isolated_networks = false
admin_username = $ADMIN_USER
admin_password = $ADMIN_PASSWORD
admin_project_name = $ADMIN_PROJECT
admin_domain_name = $ADMIN_DOMAIN
default_credentials_domain_name = $ADMIN_DOMAIN

[identity]
auth_version = v3
uri_v3 = $URI_V3
region = $REGION
v3_endpoint_type = $ENDPOINT_TYPE
default_domain_id = default
admin_role = admin
disable_ssl_certificate_validation = true

[identity-feature-enabled]
api_v2 = false
api_v2_admin = false
api_v3 = true
CONF
}

# tempest_run_tests REGEX EXCLUDE_REGEX CONCURRENCY: `tempest run` in $WS (no --exclude-regex when
# EXCLUDE_REGEX is empty), output to $WS/run.out; sets rc (its exit status) and secs (wall time).
tempest_run_tests() {
  local start
  start=$(date +%s)
  rc=0
  ( cd "$WS" && tempest run --regex "$1" ${2:+--exclude-regex "$2"} --concurrency "$3" ) > "$WS/run.out" 2>&1 || rc=$?
  secs=$(( $(date +%s) - start ))
}

# Print tempest run's summary block ("Totals ... Ran: N tests ... - Passed: P ... - Skipped: S ...
# - Failed: F") and set ran passed failed skipped from it; exit 2 if there is none.
tempest_summary() {
  sed -n '/^Totals$/,$p' "$WS/run.out"
  ran=$(grep -Eo '^Ran: [0-9]+' "$WS/run.out" | tail -1 | grep -Eo '[0-9]+' || true)
  passed=$(_tempest_count Passed); failed=$(_tempest_count Failed); skipped=$(_tempest_count Skipped)
  if [ -z "$ran" ]; then
    echo "$TL_NAME: tempest produced no summary; last lines of $WS/run.out:" >&2
    tail -40 "$WS/run.out" >&2
    exit 2
  fi
}
_tempest_count() { { grep -E "^ - $1: [0-9]+" "$WS/run.out" || true; } | tail -1 | sed -E 's/.*: ([0-9]+).*/\1/'; }

# The last run's subunit stream (stderr dropped).
_tempest_last_subunit() {
  (cd "$WS" && stestr --test-path "$(sed -n 's/^test_path=//p' .stestr.conf)" last --subunit 2>/dev/null)
}

# Write $WS/results.txt: "<success|fail|skip> <test id>" per test (tags like [id-...,smoke] stripped),
# sorted by id; skips get "  # <reason>" from tempest's output. Never fails.
tempest_results_txt() {
  { _tempest_last_subunit | subunit2csv 2>/dev/null; } \
    | RUN_OUT="$WS/run.out" /usr/bin/python3 -c '
import csv, os, re, sys
why = {}
for line in open(os.environ["RUN_OUT"], errors="replace"):
    m = re.match(r"\{\d+\} (.+?)(?:\[[^\]]*\])? \.\.\. SKIPPED: (.*)", line.rstrip())
    if m:
        why[m.group(1)] = m.group(2)
rows = {}
for r in csv.DictReader(sys.stdin):
    if r["status"] in ("success", "fail", "skip"):
        rows[re.sub(r"\[.*\]$", "", r["test"])] = r["status"]
for t in sorted(rows):
    print(rows[t], t + (f"  # {why[t]}" if rows[t] == "skip" and t in why else ""))' > "$WS/results.txt" || true
}

# tempest_finish PREFIX KEPT_FILES: print the failing test ids, the one-line summary
# "PREFIX url=$URI_V3 ran=N passed=P failed=F skipped=S seconds=T", remove the workspace (or say
# where it is kept, listing KEPT_FILES) and exit: 0 if tempest run succeeded, 1 otherwise.
tempest_finish() {
  local failing t
  failing=$( (_tempest_last_subunit \
              | subunit-filter -s --no-passthrough --only-genuine-failures 2>/dev/null | subunit-ls 2>/dev/null) || true)
  if [ -n "$failing" ]; then echo "failing tests:"; while IFS= read -r t; do echo "  $t"; done <<< "$failing"; fi
  echo "$1 url=$URI_V3 ran=${ran:-0} passed=${passed:-0} failed=${failed:-0} skipped=${skipped:-0} seconds=$secs"
  if [ "$CLEAN" = 1 ]; then rm -rf "$(dirname "$WS")"; else echo "workspace kept: $WS ($2)"; fi
  if [ "$rc" = 0 ]; then exit 0; else exit 1; fi
}
