#!/usr/bin/env bash
# Installs Debian's PyTorch (python3-torch, run with /usr/bin/python3) and OpenBLAS. Used to
# regenerate fixtures, by the interop tests that load Fackel's files into torch, and by the
# benchmarks' PyTorch columns. Idempotent; needs root (or sudo).
set -euo pipefail
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "setup-torch: torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') already installed"; exit 0
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-torch libopenblas0-pthread
echo "setup-torch: torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
