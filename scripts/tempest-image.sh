#!/usr/bin/env bash
# Run Debian's Tempest image API tests (^tempest\.api\.image\.v2\.) against an OpenStack cloud whose
# image service is found ONLY through the Keystone catalog (type `image`): the real Glance anchor
# (../shared/anchors/glance-up.sh, catalog URL http://127.0.0.1:9292) or Strata (catalog URL
# http://HOST:PORT/image). Tempest has no image-endpoint option: whatever the token's catalog lists
# for type TEMPEST_IMAGE_CATALOG_TYPE / interface TEMPEST_ENDPOINT_TYPE / region TEMPEST_REGION is used.
#
#   scripts/tempest-image.sh [URI_V3] [ADMIN_USER] [ADMIN_PASSWORD] [ADMIN_PROJECT] [ADMIN_DOMAIN]
#     URI_V3         http://127.0.0.1:5000/v3 (Keystone anchor) or http://127.0.0.1:8080/identity/v3 (Strata)
#     ADMIN_*        admin / secret / admin / Default
#   env: TEMPEST_REGEX ('^tempest\.api\.image\.v2\.')   TEMPEST_CONCURRENCY (2)
#        TEMPEST_WORKDIR (fresh mktemp -d; reused and rewritten if given)  TEMPEST_KEEP=1 keeps it
#        TEMPEST_REGION (RegionOne)  TEMPEST_ENDPOINT_TYPE (public: catalog interface for identity
#        and image)  TEMPEST_IMAGE_CATALOG_TYPE (image)
#        TEMPEST_IMPORT_IMAGE (true: interoperable import, Zed has glance-direct/web-download/copy-image)
#        TEMPEST_OS_GLANCE_RESERVED (true: Zed reserves os_glance_*)  TEMPEST_MANAGE_LOCATIONS (false:
#        show_multiple_locations off, as on the anchor)  TEMPEST_HTTP_IMAGE (URL for web-download)
#        TEMPEST_BUILD_TIMEOUT (60 s; tempest's own default 300)
#        TEMPEST_EXCLUDE_REGEX ('ImportImagesTest\.test_image_web_download_import\[': web-download needs the Internet; Glance
#        resolves the URI's host first (Zed URI filtering + the Debian SSRF fixes) and answers 400
#        "URI for web-download does not pass filtering" without DNS. Set to '' to run it.)
#        TEMPEST_DISK_FORMATS / TEMPEST_CONTAINER_FORMATS (tempest defaults; the first one of each is
#        what most tests create images with: ami / ami)
#   Output: tempest's own summary, then one line
#        TEMPEST-IMAGE url=<URI_V3> ran=N passed=P failed=F skipped=S seconds=T  (the catalog image URL
#        is printed on stderr before the run)
#   and the failing test ids. Exit 0 if nothing failed, 1 otherwise (2: setup problem).
#   The per-test result list (`success|fail|skip <test id>`, skips with their reason) is left in
#   $WS/results.txt (kept with TEMPEST_KEEP=1) and printed with TEMPEST_LIST=1.
#
# Against the real Glance 25.1.0 anchor (Keystone on MariaDB, glance-manage db_load_metadefs done):
# ran=74 passed=63 failed=0 skipped=11 in ~33 s on 2 cores (concurrency 2);
# see test/fixtures/glance/README.md §Tempest and test/fixtures/glance/tempest-image-glance.txt.
#
# Idempotent: nothing outside the workspace is written (the workspace registry is kept inside it
# via --workspace-path, not in ~/.tempest); tempest is apt-installed if missing (needs root).
# The steps shared with the other Tempest runner live in scripts/tempest-lib.sh (sourced).
set -euo pipefail
URI_V3="${1:-http://127.0.0.1:5000/v3}"
ADMIN_USER="${2:-admin}"
ADMIN_PASSWORD="${3:-secret}"
ADMIN_PROJECT="${4:-admin}"
ADMIN_DOMAIN="${5:-Default}"
REGEX="${TEMPEST_REGEX:-^tempest\.api\.image\.v2\.}"
EXCLUDE="${TEMPEST_EXCLUDE_REGEX-ImportImagesTest\.test_image_web_download_import\[}"
CONCURRENCY="${TEMPEST_CONCURRENCY:-2}"
REGION="${TEMPEST_REGION:-RegionOne}"
ENDPOINT_TYPE="${TEMPEST_ENDPOINT_TYPE:-public}"
IMAGE_TYPE="${TEMPEST_IMAGE_CATALOG_TYPE:-image}"
IMPORT_IMAGE="${TEMPEST_IMPORT_IMAGE:-true}"
OS_GLANCE_RESERVED="${TEMPEST_OS_GLANCE_RESERVED:-true}"
MANAGE_LOCATIONS="${TEMPEST_MANAGE_LOCATIONS:-false}"
HTTP_IMAGE="${TEMPEST_HTTP_IMAGE:-http://download.cirros-cloud.net/0.3.1/cirros-0.3.1-x86_64-uec.tar.gz}"
BUILD_TIMEOUT="${TEMPEST_BUILD_TIMEOUT:-60}"
DISK_FORMATS="${TEMPEST_DISK_FORMATS:-ami,ari,aki,vhd,vmdk,raw,qcow2,vdi,iso,vhdx}"
CONTAINER_FORMATS="${TEMPEST_CONTAINER_FORMATS:-ami,ari,aki,bare,ovf,ova}"
URI_V3="${URI_V3%/}"
TL_NAME=tempest-image
# shellcheck source=tempest-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/tempest-lib.sh"

tempest_require
# The identity endpoint must answer, the admin must get a token, and the token's catalog must list
# an image endpoint that answers, before we spend time on tempest.
tempest_check_identity
IMAGE_URL=$(URI_V3="$URI_V3" U="$ADMIN_USER" PW="$ADMIN_PASSWORD" P="$ADMIN_PROJECT" D="$ADMIN_DOMAIN" \
  T="$IMAGE_TYPE" I="$ENDPOINT_TYPE" R="$REGION" /usr/bin/python3 - <<'PY'
import json, os, sys, urllib.request
e = os.environ
body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
    "name": e["U"], "password": e["PW"], "domain": {"name": e["D"]}}}},
    "scope": {"project": {"name": e["P"], "domain": {"name": e["D"]}}}}}
req = urllib.request.Request(e["URI_V3"] + "/auth/tokens", data=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json"})
try:
    tok = json.load(urllib.request.urlopen(req, timeout=30))["token"]
except Exception as ex:
    sys.exit(f"tempest-image: admin token request failed: {ex}")
urls = [ep["url"] for svc in tok.get("catalog", []) if svc.get("type") == e["T"]
        for ep in svc.get("endpoints", []) if ep.get("interface") == e["I"]
        and e["R"] in (ep.get("region"), ep.get("region_id"))]
if not urls:
    sys.exit(f"tempest-image: no '{e['T']}' endpoint (interface {e['I']}, region {e['R']}) in the catalog")
print(urls[0])
PY
) || exit 2
# Any HTTP answer will do (Glance: 300 on its root; a 404 or 401 still proves something listens).
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "${IMAGE_URL%/}/" || true)
if [ -z "$code" ] || [ "$code" = 000 ] || [ "${code:0:1}" = 5 ]; then
  echo "tempest-image: image endpoint $IMAGE_URL from the catalog does not answer (GET ${IMAGE_URL%/}/ -> ${code:-none})" >&2
  exit 2
fi

tempest_workspace

# tempest.conf: only glance is "available"; dynamic (isolated) credentials are created with the
# admin account through the identity admin API (projects/users with the member role; the admin
# tests use an admin-role user).
{ tempest_conf_common; cat <<CONF

[image]
catalog_type = $IMAGE_TYPE
region = $REGION
endpoint_type = $ENDPOINT_TYPE
build_timeout = $BUILD_TIMEOUT
build_interval = 1
http_image = $HTTP_IMAGE
image_caching_enabled = false
disk_formats = $DISK_FORMATS
container_formats = $CONTAINER_FORMATS

[image-feature-enabled]
api_v2 = true
api_v1 = false
import_image = $IMPORT_IMAGE
os_glance_reserved = $OS_GLANCE_RESERVED
manage_locations = $MANAGE_LOCATIONS

[enforce_scope]
glance = false
keystone = false

[service_available]
glance = true
cinder = false
neutron = false
nova = false
swift = false
horizon = false
placement = false

[validation]
run_validation = false
CONF
} > "$WS/etc/tempest.conf"

echo "tempest-image: workspace $WS, uri_v3 $URI_V3, image endpoint (catalog) $IMAGE_URL, regex $REGEX, exclude ${EXCLUDE:-none}, concurrency $CONCURRENCY" >&2
tempest_run_tests "$REGEX" "$EXCLUDE" "$CONCURRENCY"
tempest_summary
# per-test results into $WS/results.txt
tempest_results_txt
[ "${TEMPEST_LIST:-0}" = 1 ] && cat "$WS/results.txt"
tempest_finish TEMPEST-IMAGE "run.out, results.txt, tempest.log"
