#!/usr/bin/env bash
# The cluster image's entrypoint (Containerfile), like flannel's and Calico's install-cni:
#   install  (the DaemonSet's init container) installs tscni and a hard link per plugin into the
#            node's plugin dir, atomically (scripts/install: temporary names, then renames), then writes
#            the conflist from the ConfigMap's template, __POD_CIDR__ replaced by this node's podCIDR
#            (read from the API server, or $POD_CIDR), also by temporary name + rename;
#   routes   (the DaemonSet's main container) keeps a route to every other node's podCIDR via that
#            node's InternalIP (what flannel's host-gw does), so pods on two nodes reach each other;
#            re-checked every $ROUTE_INTERVAL seconds (default 30).
# Paths (hostPath mounts in the DaemonSet): $CNI_BIN_DIR (default /host/opt/cni/bin), $CNI_NET_DIR
# (default /host/etc/cni/net.d), $CNI_CONF_TEMPLATE (default /etc/tscni/cni-conf.json),
# $CNI_CONF_NAME (default 10-tscni.conflist). $NODE_NAME: this node (the downward API's spec.nodeName).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin_dir=${CNI_BIN_DIR:-/host/opt/cni/bin}
net_dir=${CNI_NET_DIR:-/host/etc/cni/net.d}
template=${CNI_CONF_TEMPLATE:-/etc/tscni/cni-conf.json}
conf_name=${CNI_CONF_NAME:-10-tscni.conflist}
tscni=${TSCNI_BIN:-/opt/cni/bin/tscni}
sa=/var/run/secrets/kubernetes.io/serviceaccount

log() { echo "install-cni: $*" >&2; }

# GET an API path with the pod's service account (in-cluster config, as client-go's).
api() {
  curl -fsS --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" \
    "https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}$1"
}

pod_cidr() {
  if [ -n "${POD_CIDR:-}" ]; then echo "$POD_CIDR"; return; fi
  [ -n "${NODE_NAME:-}" ] || { log "NODE_NAME unset (downward API spec.nodeName)"; exit 1; }
  local cidr
  cidr=$(api "/api/v1/nodes/$NODE_NAME" | jq -r '.spec.podCIDR // empty')
  [ -n "$cidr" ] || { log "node $NODE_NAME has no spec.podCIDR (controller-manager --allocate-node-cidrs)"; exit 1; }
  echo "$cidr"
}

install_binaries() {
  # the image keeps scripts/install beside this script; a repo checkout one level up
  local script=$here/scripts/install
  [ -f "$script" ] || script=$here/../scripts/install
  TSCNI_BIN=$tscni bash "$script" "$bin_dir" >&2
}

write_conflist() {
  local cidr=$1 tmp="$net_dir/.$conf_name.tmp.$$"
  [ -f "$template" ] || { log "$template missing (the ConfigMap's cni-conf.json)"; exit 1; }
  mkdir -p "$net_dir"
  sed "s|__POD_CIDR__|$cidr|g" "$template" > "$tmp"
  jq -e . "$tmp" >/dev/null || { rm -f "$tmp"; log "$template: not JSON after substitution"; exit 1; }
  chmod 0644 "$tmp"
  mv -f "$tmp" "$net_dir/$conf_name"
  log "wrote $net_dir/$conf_name (podCIDR $cidr)"
}

sync_routes() {
  local self
  self=$(pod_cidr)
  api /api/v1/nodes | jq -r '.items[] | [.spec.podCIDR // "", ((.status.addresses // [])[] | select(.type == "InternalIP") | .address)] | @tsv' |
    while IFS=$'\t' read -r cidr ip; do
      [ -n "$cidr" ] && [ -n "$ip" ] && [ "$cidr" != "$self" ] || continue
      ip route replace "$cidr" via "$ip" || log "route $cidr via $ip failed"
    done
}

case ${1:-install} in
  install)
    install_binaries
    write_conflist "$(pod_cidr)"
    ;;
  routes)
    while :; do
      sync_routes || log "route sync failed; retrying"
      sleep "${ROUTE_INTERVAL:-30}"
    done
    ;;
  *) echo "usage: install-cni.sh [install|routes]" >&2; exit 2 ;;
esac
