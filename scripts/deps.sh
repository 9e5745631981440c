#!/bin/sh
# Installs the Debian packages tmo needs that are missing. Runs apt-get as
# root, or through sudo. Prints nothing when everything is there.
set -eu

packages="build-essential cmake ninja-build ccache pkg-config
  libcaf-dev librocksdb-dev capnproto libcapnp-dev libssl-dev
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libcpp-httplib-dev
  libyaml-cpp-dev libre2-dev libgtest-dev libgmock-dev libbenchmark-dev tmux git
  python3 nodejs"

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
# npm comes with some nodejs builds (NodeSource) and conflicts with
# Debian's npm package there: ask for it only when there is none.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

echo "make deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "make deps: need root or sudo to install:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
