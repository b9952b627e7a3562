#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) from bookworm-backports, which the
# WebGPU backend needs on a machine without a GPU. Idempotent; needs root (or sudo).
# bookworm's own mesa 22.3 is rejected by Dawn; backports' 25.x works.
set -euo pipefail
have=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
if [ -n "$have" ] && dpkg --compare-versions "$have" ge 25; then
  echo "setup-vulkan: mesa-vulkan-drivers $have already installed"; exit 0
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
. /etc/os-release
if ! grep -rqs -- "${VERSION_CODENAME}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # Reuse the mirror the machine's main Debian source already uses.
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || { echo "setup-vulkan: cannot find the Debian mirror in /etc/apt" >&2; exit 1; }
  $SUDO tee /etc/apt/sources.list.d/bpo.sources >/dev/null <<SRC
Types: deb
URIs: ${mirror}
Suites: ${VERSION_CODENAME}-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  -t "${VERSION_CODENAME}-backports" mesa-vulkan-drivers
echo "setup-vulkan: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
