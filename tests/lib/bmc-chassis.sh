#!/bin/bash
#
# bmc-chassis.sh - the chassis control program of a test host's BMC (tests/lib/bmc.sh): ipmi_sim
# runs it for each chassis power request and status of the host (ipmi_lan(5),
# "chassis_control"), as
#
#   bmc-chassis.sh STATE_FOLDER HOST get power          -> prints "power:1" or "power:0"
#   bmc-chassis.sh STATE_FOLDER HOST set power 1|0      -> powers the host on or off
#
# STATE_FOLDER is ${HAT_STATE_ROOT}/${HAT_PREFIX} of the run that made the BMC. Exit 0 on
# success; otherwise a message on stdout (ipmi_sim logs it) and exit 1: the IPMI request fails.
# Only power is supported (no reset, boot device or identify).
set -euo pipefail

st=$1 host=$2 op=${3:-}
shift 3 || { echo "usage: bmc-chassis.sh STATE_FOLDER HOST get|set ..."; exit 1; }
HAT_STATE_ROOT=$(dirname "$st")
HAT_PREFIX=$(basename "$st")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=hosts.sh
source "$here/hosts.sh"
# shellcheck source=bmc.sh
source "$here/bmc.sh"

# shellcheck disable=SC2034  # read by the EXIT trap
t0=${EPOCHREALTIME/./}
echo "=== $(date '+%F %T.%3N') chassis $op $*" >&2
trap 'echo "    exit $? after $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms" >&2' EXIT
case $op in
get)
    for parm in "$@"; do
        case $parm in
        power) [[ $(hat_bmc_power "$host") == on ]] && echo power:1 || echo power:0 ;;
        *) echo "not supported: $parm"; exit 1 ;;
        esac
    done
    ;;
set)
    while (($#)); do
        parm=$1 val=${2:-}
        shift 2 || { echo "no value for $parm"; exit 1; }
        case $parm:$val in
        power:0) _hat_bmc_request_off "$host" >&2 || { echo "power off failed"; exit 1; } ;;
        power:1) _hat_bmc_locked "$host" _hat_bmc_power_on "$host" >&2 ||
            { echo "power on failed"; exit 1; } ;;
        *) echo "not supported: $parm $val"; exit 1 ;;
        esac
    done
    ;;
*)
    echo "not supported: $op"
    exit 1
    ;;
esac
