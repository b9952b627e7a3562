#!/usr/bin/env bash
# Installs Debian's PyTorch (python3-torch, run with /usr/bin/python3) and OpenBLAS (the pthread
# build, libopenblas0-pthread, which Debian's alternatives then select as libblas.so.3). Used to
# regenerate fixtures, by the interop tests that load Fackel's files into torch, and by the
# benchmarks' PyTorch columns. Idempotent; needs root (or sudo) when something is missing.
# Prints the torch version and the BLAS library torch actually loads.
set -euo pipefail
missing=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || missing+=(python3-torch)
dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'install ok installed' || missing+=(libopenblas0-pthread)
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
/usr/bin/python3 - <<'EOF'
import torch
blas = sorted({line.split()[5] for line in open('/proc/self/maps')
               if len(line.split()) >= 6 and ('blas' in line.split()[5] or 'mkl' in line.split()[5])})
print('setup-torch: torch %s, BLAS loaded: %s' % (torch.__version__, ', '.join(blas) or 'none found'))
if not any('openblas' in b for b in blas):
    print('setup-torch: WARNING: torch did not load OpenBLAS (check: update-alternatives --display libblas.so.3-x86_64-linux-gnu)')
EOF
