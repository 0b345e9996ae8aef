#!/usr/bin/env bash
# Run Debian's Tempest compute API tests against an OpenStack cloud whose compute service is found ONLY
# through the Keystone catalog (type `compute`): the real Nova anchor (../shared/anchors/nova-up.sh,
# catalog URL http://127.0.0.1:8774/v2.1) or Strata. Tempest has no compute-endpoint option: whatever the
# token's catalog lists for type TEMPEST_COMPUTE_CATALOG_TYPE / interface TEMPEST_ENDPOINT_TYPE / region
# TEMPEST_REGION is used. Images come from the catalog's `image` service.
#
#   scripts/tempest-compute.sh [URI_V3] [ADMIN_USER] [ADMIN_PASSWORD] [ADMIN_PROJECT] [ADMIN_DOMAIN]
#     URI_V3         http://127.0.0.1:5000/v3 (Keystone anchor) or http://127.0.0.1:8080/identity/v3 (Strata)
#     ADMIN_*        admin / secret / admin / Default
#   env: TEMPEST_REGEX (default below: the compute API tests for flavors, keypairs, servers (incl.
#        server groups, instance actions, metadata, AZ), admin hypervisors/services/AZ/quotas/flavors/
#        servers/keypairs/simple tenant usage/hosts/aggregates/migrations/usage audit log/external events/diagnostics, limits, versions, quotas, extensions)   TEMPEST_EXCLUDE_REGEX (default below)
#        TEMPEST_CONCURRENCY (2)  TEMPEST_WORKDIR / TEMPEST_KEEP=1 / TEMPEST_LIST=1 (as tempest-image.sh)
#        TEMPEST_REGION (RegionOne)  TEMPEST_ENDPOINT_TYPE (public)  TEMPEST_COMPUTE_CATALOG_TYPE (compute)
#        TEMPEST_IMAGE_REF / TEMPEST_IMAGE_REF_ALT (default: two tiny raw images `tempest-compute-image`
#        and `-alt` created (or reused) by this script in the catalog's image service, public, 1 KiB)
#        TEMPEST_FLAVOR_REF / TEMPEST_FLAVOR_REF_ALT (default: flavors `tempest-compute-1`
#        (1 vCPU, 128 MiB, 1 GB) and `tempest-compute-2` (1 vCPU, 192 MiB, 1 GB), created or reused; ids
#        are fixed strings 'tc-flavor-1'/'tc-flavor-2')
#        TEMPEST_MAX_MICROVERSION (2.93 = Zed)  TEMPEST_MIN_COMPUTE_NODES (2: the anchor has fake-1/fake-2)
#        TEMPEST_BUILD_TIMEOUT (120 s)
#        TEMPEST_NEUTRON (false: no networking; servers boot without NICs)
#        TEMPEST_SHELVE (false: Tempest's shelve tests skip, as in the captured Nova run; true runs them)
#        TEMPEST_COLD_MIGRATION (false: the cold migration tests skip, as in the captured runs; true runs them,
#        e.g. with TEMPEST_REGEX='^tempest\.api\.compute\.admin\.test_(migrations|servers_negative)')
#        TEMPEST_SNAPSHOT (false: createImage's tests skip, as in the captured runs; true runs them, e.g.
#        with TEMPEST_REGEX='^tempest\.api\.compute\.images')
#   Output: tempest's own summary, then one line
#        TEMPEST-COMPUTE url=<URI_V3> ran=N passed=P failed=F skipped=S seconds=T  (the catalog compute
#        URL is printed on stderr before the run)
#   and the failing test ids. Exit 0 if nothing failed, 1 otherwise (2: setup problem).
#   The per-test result list (`success|fail|skip <test id>`, skips with their reason) is left in
#   $WS/results.txt (kept with TEMPEST_KEEP=1) and printed with TEMPEST_LIST=1.
#
# Against the real Nova 26.2 anchor (fake driver, 2 hosts, Neutron stub), default regex, concurrency 2:
# ran=338 passed=274 failed=6 skipped=58 in 825 s on 2 cores (failures: fake-driver uptime/console, Neutron stub);
# see test/fixtures/nova/README.md §15 and test/fixtures/nova/tempest-compute-nova.txt.
#
# Nothing outside the workspace is written except the two images and two flavors above (idempotent:
# reused by name/id on the next run); tempest is apt-installed if missing (needs root).
set -euo pipefail
URI_V3="${1:-http://127.0.0.1:5000/v3}"
ADMIN_USER="${2:-admin}"
ADMIN_PASSWORD="${3:-secret}"
ADMIN_PROJECT="${4:-admin}"
ADMIN_DOMAIN="${5:-Default}"
REGEX="${TEMPEST_REGEX:-^tempest\.api\.compute\.(flavors|keypairs|servers|admin\.test_(hypervisor|services|availability_zone|quotas|flavors|servers|keypairs|simple_tenant_usage|hosts|aggregates|migrations|instance_usage_audit_log|server_external_events|server_diagnostics)|limits|test_versions|test_quotas|test_extensions)}"
# Excluded by default: tests that need things this set-up does not have (networking ports, volumes,
# live migration, consoles are switched off by feature flags instead).
EXCLUDE="${TEMPEST_EXCLUDE_REGEX-}"
CONCURRENCY="${TEMPEST_CONCURRENCY:-2}"
REGION="${TEMPEST_REGION:-RegionOne}"
ENDPOINT_TYPE="${TEMPEST_ENDPOINT_TYPE:-public}"
COMPUTE_TYPE="${TEMPEST_COMPUTE_CATALOG_TYPE:-compute}"
MAX_MV="${TEMPEST_MAX_MICROVERSION:-2.93}"
MIN_NODES="${TEMPEST_MIN_COMPUTE_NODES:-2}"
BUILD_TIMEOUT="${TEMPEST_BUILD_TIMEOUT:-120}"
NEUTRON="${TEMPEST_NEUTRON:-false}"
SHELVE="${TEMPEST_SHELVE:-false}"
SNAPSHOT="${TEMPEST_SNAPSHOT:-false}"
COLD_MIGRATION="${TEMPEST_COLD_MIGRATION:-false}"
URI_V3="${URI_V3%/}"
TL_NAME=tempest-compute
# shellcheck source=tempest-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/tempest-lib.sh"

tempest_require
tempest_check_identity
# Admin token -> catalog compute + image URLs; create/reuse the images and flavors. Prints
# "COMPUTE_URL IMAGE_REF IMAGE_REF_ALT FLAVOR_REF FLAVOR_REF_ALT".
SETUP=$(URI_V3="$URI_V3" U="$ADMIN_USER" PW="$ADMIN_PASSWORD" P="$ADMIN_PROJECT" D="$ADMIN_DOMAIN" \
  T="$COMPUTE_TYPE" I="$ENDPOINT_TYPE" R="$REGION" \
  IMG1="${TEMPEST_IMAGE_REF:-}" IMG2="${TEMPEST_IMAGE_REF_ALT:-}" \
  FL1="${TEMPEST_FLAVOR_REF:-}" FL2="${TEMPEST_FLAVOR_REF_ALT:-}" /usr/bin/python3 - <<'PY'
import json, os, sys, urllib.error, urllib.request
e = os.environ
body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
    "name": e["U"], "password": e["PW"], "domain": {"name": e["D"]}}}},
    "scope": {"project": {"name": e["P"], "domain": {"name": e["D"]}}}}}
req = urllib.request.Request(e["URI_V3"] + "/auth/tokens", data=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json"})
try:
    r = urllib.request.urlopen(req, timeout=30)
    tokid, tok = r.headers["X-Subject-Token"], json.load(r)["token"]
except Exception as ex:
    sys.exit(f"tempest-compute: admin token request failed: {ex}")
def url(t):
    u = [ep["url"] for svc in tok.get("catalog", []) if svc.get("type") == t
         for ep in svc.get("endpoints", []) if ep.get("interface") == e["I"]
         and e["R"] in (ep.get("region"), ep.get("region_id"))]
    if not u:
        sys.exit(f"tempest-compute: no '{t}' endpoint (interface {e['I']}, region {e['R']}) in the catalog")
    return u[0].rstrip("/")
def call(method, u, body=None, ctype="application/json"):
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    rq = urllib.request.Request(u, method=method, data=data, headers={"X-Auth-Token": tokid})
    if data is not None:
        rq.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(rq, timeout=60) as resp:
            d = resp.read()
            return resp.status, (json.loads(d) if d[:1] in (b"{", b"[") else None)
    except urllib.error.HTTPError as ex:
        return ex.code, None
compute = url(e["T"])
image = url("image")
def img(name, given):
    if given:
        return given
    st, b = call("GET", f"{image}/v2/images?name={name}")
    for i in (b or {}).get("images", []):
        if i["status"] == "active":
            return i["id"]
    st, b = call("POST", f"{image}/v2/images", {"name": name, "disk_format": "raw",
                                                "container_format": "bare", "visibility": "public"})
    if st != 201:
        sys.exit(f"tempest-compute: image create failed ({st})")
    st, _ = call("PUT", f"{image}/v2/images/{b['id']}/file", b"\0" * 1024, "application/octet-stream")
    if st >= 300:
        sys.exit(f"tempest-compute: image upload failed ({st})")
    return b["id"]
def flavor(fid, name, ram, given):
    if given:
        return given
    st, _ = call("GET", f"{compute}/flavors/{fid}")
    if st == 200:
        return fid
    st, b = call("POST", f"{compute}/flavors", {"flavor": {"name": name, "id": fid, "ram": ram,
                                                           "vcpus": 1, "disk": 1}})
    if st != 200:
        sys.exit(f"tempest-compute: flavor create failed ({st})")
    return fid
print(compute, img("tempest-compute-image", e["IMG1"]), img("tempest-compute-image-alt", e["IMG2"]),
      flavor("tc-flavor-1", "tempest-compute-1", 128, e["FL1"]),
      flavor("tc-flavor-2", "tempest-compute-2", 192, e["FL2"]))
PY
) || exit 2
read -r COMPUTE_URL IMAGE_REF IMAGE_REF_ALT FLAVOR_REF FLAVOR_REF_ALT <<< "$SETUP"
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "${COMPUTE_URL%/}/" || true)
if [ -z "$code" ] || [ "$code" = 000 ] || [ "${code:0:1}" = 5 ]; then
  echo "tempest-compute: compute endpoint $COMPUTE_URL from the catalog does not answer (GET ${COMPUTE_URL%/}/ -> ${code:-none})" >&2
  exit 2
fi

tempest_workspace

{ tempest_conf_common; cat <<CONF

[compute]
catalog_type = $COMPUTE_TYPE
region = $REGION
endpoint_type = $ENDPOINT_TYPE
image_ref = $IMAGE_REF
image_ref_alt = $IMAGE_REF_ALT
flavor_ref = $FLAVOR_REF
flavor_ref_alt = $FLAVOR_REF_ALT
build_timeout = $BUILD_TIMEOUT
build_interval = 1
min_compute_nodes = $MIN_NODES
min_microversion = 2.1
max_microversion = $MAX_MV
fixed_network_name =

[compute-feature-enabled]
disk_config = true
change_password = false
console_output = true
resize = true
pause = true
suspend = true
shelve = $SHELVE
shelve_migrate = false
cold_migration = $COLD_MIGRATION
live_migration = false
live_migrate_back_and_forth = false
block_migration_for_live_migration = false
metadata_service = false
vnc_console = false
spice_console = false
rdp_console = false
serial_console = false
rescue = false
stable_rescue = false
enable_instance_password = true
interface_attach = false
snapshot = $SNAPSHOT
personality = false
attach_encrypted_volume = false
config_drive = false
swap_volume = false
volume_multiattach = false
xenapi_apis = false
unified_limits = false

[image]
region = $REGION
endpoint_type = $ENDPOINT_TYPE
build_timeout = $BUILD_TIMEOUT

[image-feature-enabled]
api_v2 = true
api_v1 = false

[network-feature-enabled]
floating_ips = false

[enforce_scope]
nova = false
glance = false
keystone = false

[service_available]
nova = true
glance = true
neutron = $NEUTRON
cinder = false
swift = false
horizon = false
placement = false

[validation]
run_validation = false
CONF
} > "$WS/etc/tempest.conf"

echo "tempest-compute: workspace $WS, uri_v3 $URI_V3, compute endpoint (catalog) $COMPUTE_URL, images $IMAGE_REF $IMAGE_REF_ALT, flavors $FLAVOR_REF $FLAVOR_REF_ALT, regex $REGEX, exclude ${EXCLUDE:-none}, concurrency $CONCURRENCY" >&2
tempest_run_tests "$REGEX" "$EXCLUDE" "$CONCURRENCY"
tempest_summary
tempest_results_txt
# tempest-lib.sh keeps only the csv statuses success/fail/skip, but subunit2csv says "failure" for a
# failed test: add those lines here ("fail <test id>"), keeping the list sorted by test id.
{ _tempest_last_subunit | subunit2csv 2>/dev/null; } | RES="$WS/results.txt" /usr/bin/python3 -c '
import csv, os, re, sys
res = os.environ["RES"]
lines = [l.rstrip("\n") for l in open(res)] if os.path.exists(res) else []
have = {l.split(" ", 1)[1].split("  # ")[0] for l in lines if " " in l}
for r in csv.DictReader(sys.stdin):
    t = re.sub(r"\[.*\]$", "", r["test"])
    if r["status"] in ("failure", "fail") and t not in have:
        lines.append("fail " + t); have.add(t)
lines.sort(key=lambda l: l.split(" ", 1)[1] if " " in l else l)
open(res, "w").write("".join(l + "\n" for l in lines))' || true
[ "${TEMPEST_LIST:-0}" = 1 ] && cat "$WS/results.txt"
tempest_finish TEMPEST-COMPUTE "run.out, results.txt, tempest.log"
