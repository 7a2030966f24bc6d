#!/bin/bash
# fixture.sh boot | teardown - the cluster in a box the drills share when ctest runs them
# (tests/CMakeLists.txt: the fixture "cluster"). `boot` starts a new cluster (three controllers,
# two compute hosts; whatever an earlier run of this HAT_PREFIX left is cleaned first) and leaves
# it running; each drill, run with HAC_SHARED=1, takes it over (hac_boot reuses it when it is
# steady, else boots a new one) and leaves it steady for the next; `teardown` stops everything.
# One boot instead of one per drill: the drills fit in CI's time. Run as root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HAT_PREFIX=${HAT_PREFIX:-hatd}
export HAC_SHARED=1
# shellcheck source=lib.sh
source "$here/lib.sh"
case ${1:-} in
boot)
    hac_init
    HAC_SHARED=0 hac_boot 3 2
    ;;
teardown)
    hac_teardown
    ;;
*)
    echo "usage: $0 boot|teardown" >&2
    exit 2
    ;;
esac
