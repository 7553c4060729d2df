#!/usr/bin/env bash
# Install what building and testing ordex needs on Debian 12, by package
# name, only when something is missing (quick when all is there).
set -euo pipefail
packages=(
	build-essential pkg-config
	libyaml-dev libxxhash-dev libcmocka-dev libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev libsodium-dev curl
	clang libclang-rt-14-dev
	chromium fonts-wqy-microhei
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere with its own npm: ask for the commands.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
