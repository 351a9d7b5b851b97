#!/bin/sh
# Installs the Debian packages Kyojo needs when they are missing (as root),
# or prints the exact apt-get line and fails (as anyone else).
PKGS="build-essential pkg-config libzmq3-dev libsodium-dev liblmdb-dev libcjson-dev libidn2-dev libunistring-dev check lmdb-utils clang nftables ipset iproute2 libmicrohttpd-dev zlib1g-dev curl iptables libnftnl-dev libmnl-dev chromium fonts-noto-cjk"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "kyojo: missing packages:$missing" >&2
	echo "run as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "kyojo: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
	echo "kyojo: apt-get install failed for:$missing" >&2
	exit 1
}
