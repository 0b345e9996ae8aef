# Provisioning steps shared by the test command and the benchmarks. Sourced, not run.
# Every step is idempotent and safe to repeat on a machine where the service already runs.

PGPORT_TEST="${PGPORT_TEST:-5432}"
NATS_PORT_TEST="${NATS_PORT_TEST:-4222}"
NATS_STORE_DIR="${NATS_STORE_DIR:-/var/lib/strata-nats}"

log() { printf '== %s\n' "$*"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "The test command installs Debian packages and starts services: run it as root (sudo npm test)." >&2
    exit 1
  fi
}

# Debian packages the suites need (qemu-utils: qemu-img inspects uploaded images and makes overlays;
# openssh-client: the compute CLI suite checks generated keypairs with ssh-keygen; libvirt-daemon,
# libvirt-daemon-driver-qemu, libvirt-clients and qemu-system-x86: the libvirt compute driver's suite
# runs TCG guests on qemu:///system). libvirt-daemon-system is left out on purpose: it drags in systemd,
# polkitd, iptables and the default NAT network, none of which a libvirtd started by hand needs.
# Later issues add lvm2.
DEBIAN_PACKAGES=(postgresql postgresql-client nats-server procps util-linux python3-openstackclient qemu-utils openssh-client
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86)

provision_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    need_root
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 what=$2
  for _ in $(seq 1 100); do port_open "$port" && return 0; sleep 0.2; done
  echo "$what did not start listening on 127.0.0.1:$port" >&2
  exit 1
}

start_postgres() {
  if ! port_open "$PGPORT_TEST"; then
    need_root
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    if [ -z "$version" ]; then echo "no PostgreSQL cluster in /etc/postgresql" >&2; exit 1; fi
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_port "$PGPORT_TEST" PostgreSQL
  fi
  # A password role works with Debian's default pg_hba (scram on 127.0.0.1) as well as with trust.
  su postgres -c "psql -q -p $PGPORT_TEST -v ON_ERROR_STOP=1" <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'strata') THEN
    CREATE ROLE strata LOGIN CREATEDB PASSWORD 'strata';
  END IF;
END $$;
SQL
}

start_nats() {
  if port_open "$NATS_PORT_TEST"; then return 0; fi
  need_root
  log "starting nats-server with JetStream on 127.0.0.1:$NATS_PORT_TEST"
  mkdir -p "$NATS_STORE_DIR"
  start-stop-daemon --start --oknodo --background --make-pidfile --pidfile /run/strata-nats.pid \
    --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p "$NATS_PORT_TEST" -js -sd "$NATS_STORE_DIR" -l /var/log/strata-nats.log
  wait_port "$NATS_PORT_TEST" nats-server
}

# The libvirt driver's integration suite runs on this URI.
LIBVIRT_URI_TEST=qemu:///system

libvirt_answers() { virsh -c "$LIBVIRT_URI_TEST" version >/dev/null 2>&1; }

# DESIGN.md "Sandbox notes": no systemd here, so libvirtd and virtlogd are started by hand. QEMU runs as
# libvirt's Debian default user and group libvirt-qemu, with dynamic ownership: libvirt chowns each
# guest's disk and console log to it, so the instances folder only has to be traversable (o+x) by it.
start_libvirt() {
  # /dev/kvm as Debian's udev rule leaves it (root:kvm 0660). Without udev it can be root's alone:
  # QEMU's capability probe then finds KVM, libvirt finds it unusable for its qemu user, throws its
  # capability cache away on every call and probes QEMU again (13 s per `virsh define` measured).
  if [ "$(id -u)" = 0 ]; then
    getent group kvm >/dev/null || groupadd --system kvm
    if [ -c /dev/kvm ]; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
  fi
  if libvirt_answers; then return 0; fi
  need_root
  log "starting virtlogd and libvirtd ($LIBVIRT_URI_TEST)"
  mkdir -p /var/log/libvirt/qemu /var/run/libvirt /var/lib/libvirt/qemu /var/cache/libvirt/qemu
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd --system --gid kvm --groups libvirt-qemu --home-dir /var/lib/libvirt --no-create-home --shell /usr/sbin/nologin libvirt-qemu
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 1 100); do libvirt_answers && return 0; sleep 0.2; done
  echo "libvirtd did not answer on $LIBVIRT_URI_TEST; see /var/log/libvirt" >&2
  virsh -c "$LIBVIRT_URI_TEST" version >&2 || true
  exit 1
}

install_node_modules() {
  local stamp=node_modules/.strata-lock-hash
  local want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "npm ci"
    npm ci --no-audit --no-fund
    echo "$want" > "$stamp"
  fi
}

# Everything the suites and benchmarks need, then the URLs they read.
provision_all() {
  provision_packages
  start_postgres
  start_nats
  start_libvirt
  install_node_modules
  export TEST_DATABASE_URL="postgres://strata:strata@127.0.0.1:${PGPORT_TEST}/postgres"
  export TEST_NATS_URL="nats://127.0.0.1:${NATS_PORT_TEST}"
}

# One plain closing line that any CI reader understands: "jest: N passed, N failed, N skipped".
summarise_jest() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    if (r.numRuntimeErrorTestSuites) console.log(`${r.numRuntimeErrorTestSuites} test suites failed to run`);
    console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  ' "$1" 2>/dev/null || echo "jest wrote no results: see the output above"
}
