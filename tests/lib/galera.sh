# shellcheck shell=bash
#
# galera.sh - a real MariaDB Galera cluster across test hosts (tests/lib/hosts.sh), one mariadbd
# per host, for slurmdbd's accounting database.
#
# Each node is Debian's mariadbd with the galera-4 provider, run in the foreground in its host
# (hat_spawn label "mariadbd") with its own option file, data folder and log under the host's
# state folder (hat_host_dir NAME)/mysql, and its socket and pid file in the host's own /run
# (/run/mysqld/mysqld.sock, the client's default, so `hat_exec NAME mariadb` reaches the local
# node as root through unix_socket authentication). The machine's own MariaDB service and data
# (/var/lib/mysql, /etc/mysql) are never used.
#
# The first node bootstraps the cluster (--wsrep-new-cluster); the others join it through
# gcomm://ADDR1,ADDR2,... and receive the data by state transfer (SST, rsync). All Galera traffic
# (4567 group communication, 4568 incremental transfer, 4444 rsync SST) and client traffic (3306)
# crosses the namespace network between the hosts' addresses only.
#
# Usage (as root, after hat_host_add for every node):
#
#   source tests/lib/hosts.sh; source tests/lib/galera.sh
#   gal_up ctl1 ctl2 ctl3           # bootstrap ctl1, join ctl2 and ctl3; returns once the
#                                   # cluster size is 3 and every node is Synced
#   gal_sql ctl2 'SELECT 1'         # SQL as root on a node's socket (SQL on stdin, -N -B)
#   gal_size ctl1                   # wsrep_cluster_size as that node sees it
#   gal_stop ctl3                   # a clean shutdown of one node (SIGTERM)
#   gal_down ctl1 ctl2 ctl3         # every node stopped (hat_teardown also stops them)
#
# Functions: gal_init_node gal_start gal_up gal_sql gal_status gal_size gal_synced gal_wait_synced
#            gal_stop gal_down gal_dir
#
# Settings (environment):
#   GAL_NAME          wsrep_cluster_name (default ${HAT_PREFIX}-galera)
#   GAL_TIMEOUT       seconds a node may take to be Synced (default 120: SST on a busy machine)
#   GAL_SST           wsrep_sst_method (default rsync)

: "${GAL_TIMEOUT:=120}"
: "${GAL_SST:=rsync}"
GAL_PROVIDER=${GAL_PROVIDER:-/usr/lib/galera/libgalera_smm.so}

_gal_err() { echo "galera[$HAT_PREFIX]: error: $*" >&2; return 1; }

# gal_dir NAME: the node's folder (option file, data, log) in the host's state folder.
gal_dir() { echo "$(hat_host_dir "$1")/mysql"; }

# The address of host NAME (from the hosts file hosts.sh writes).
_gal_ip() {
    local ip
    ip=$(awk -v h="$1" '$1 == h { print $2; exit }' "$(_hat_st)/hosts.list") || return 1
    [[ -n $ip ]] || { _gal_err "no address for host $1"; return 1; }
    echo "$ip"
}

# gal_init_node NAME PEER...: the option file and the data folder for node NAME of the cluster
# PEER... (host names, NAME among them): with the system tables (mariadb-install-db) for the node
# that bootstraps; empty with GAL_EMPTY=1, for a node that joins (its state transfer fills it).
gal_init_node() {
    local name=$1; shift
    local d ip addrs='' p
    d=$(gal_dir "$name")
    ip=$(_gal_ip "$name") || return 1
    for p in "$@"; do addrs+=${addrs:+,}$(_gal_ip "$p") || return 1; done
    rm -rf "$d"
    (umask 022 && mkdir -p "$d/data" "$d/tmp") || return 1
    # The option file is read by mariadbd and by the SST scripts it runs (wsrep_sst_rsync reads
    # [mysqld] through my_print_defaults --defaults-file), so everything is in it.
    cat >"$d/my.cnf" <<EOF
[mysqld]
user=mysql
datadir=$d/data
tmpdir=$d/tmp
socket=/run/mysqld/mysqld.sock
pid-file=/run/mysqld/mysqld.pid
log-error=$d/error.log
bind-address=$ip
port=3306
skip-name-resolve
# Small: three of these share a 2-core test machine.
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
performance_schema=OFF
# Galera
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$GAL_PROVIDER
wsrep_cluster_name=${GAL_NAME:-$HAT_PREFIX-galera}
wsrep_cluster_address=gcomm://$addrs
wsrep_node_name=$name
wsrep_node_address=$ip
wsrep_sst_method=$GAL_SST
wsrep_provider_options=gcache.size=32M
EOF
    chown -R mysql:mysql "$d" || return 1
    [[ ${GAL_EMPTY:-0} == 1 ]] && return 0
    mariadb-install-db --defaults-file="$d/my.cnf" --skip-test-db --auth-root-authentication-method=socket \
        >"$d/install-db.log" 2>&1 ||
        { _gal_err "$name: mariadb-install-db failed (see $d/install-db.log)"; return 1; }
}

# gal_sql NAME SQL: run SQL as root on node NAME's socket; rows tab separated, no headers.
gal_sql() {
    local name=$1; shift
    printf '%s\n' "$*" | hat_exec "$name" mariadb --no-defaults --socket=/run/mysqld/mysqld.sock \
        --user=root --batch --skip-column-names --connect-timeout=5
}

# gal_status NAME VARIABLE: a wsrep status variable of node NAME (wsrep_cluster_size, ...).
gal_status() {
    gal_sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | awk '{ print $2 }'
}

gal_size() { gal_status "$1" wsrep_cluster_size; }

# gal_synced NAME: node NAME is a Synced member of the primary component.
gal_synced() {
    [[ $(gal_status "$1" wsrep_local_state_comment) == Synced &&
        $(gal_status "$1" wsrep_cluster_status) == Primary ]]
}

gal_wait_synced() { hat_wait_for "${2:-$GAL_TIMEOUT}" gal_synced "$1"; }

# gal_start NAME [--wsrep-new-cluster]: start node NAME's mariadbd in the foreground in its host;
# returns once it is Synced (or fails, with the end of its error log).
gal_start() {
    local name=$1; shift
    local d
    d=$(gal_dir "$name")
    [[ -f $d/my.cnf ]] || { _gal_err "$name: no node here (gal_init_node first)"; return 1; }
    hat_exec "$name" install -d -o mysql -g mysql -m 0755 /run/mysqld || return 1
    hat_spawn "$name" mariadbd /usr/sbin/mariadbd --defaults-file="$d/my.cnf" "$@" || return 1
    if ! gal_wait_synced "$name"; then
        _gal_err "$name: mariadbd is not a Synced member after ${GAL_TIMEOUT}s"
        tail -n 25 "$d/error.log" >&2
        return 1
    fi
}

# gal_up NAME...: a cluster of these hosts: the first bootstraps, the others join one by one.
gal_up() {
    local first=$1 n
    gal_init_node "$first" "$@" || return 1
    for n in "${@:2}"; do GAL_EMPTY=1 gal_init_node "$n" "$@" || return 1; done
    gal_start "$first" --wsrep-new-cluster || return 1
    shift
    for n in "$@"; do gal_start "$n" || return 1; done
}

# gal_stop NAME: a clean shutdown (SIGTERM; hat_kill escalates to SIGKILL after HAT_KILL_TIMEOUT).
gal_stop() { hat_alive "$1" mariadbd || return 0; hat_kill "$1" mariadbd TERM; }

gal_down() {
    local n rc=0
    for n in "$@"; do gal_stop "$n" || rc=1; done
    return $rc
}
