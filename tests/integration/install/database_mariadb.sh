#!/bin/bash
# database_mariadb.sh - install.sh's database step (--dbd) against a real MariaDB: Debian's
# mariadbd with the galera-4 provider, a one-node Galera cluster bootstrapped in a test host
# (tests/lib/galera.sh), reached as root through the host's own socket as on a fresh Debian
# controller. Asserts:
#   - ha-genconf with database.mariadb.galera gives slurmdbd.conf StorageHost = the host's own
#     address (its Galera node);
#   - the step creates database slurm_acct_db and user 'slurm'@'%' with ALL PRIVILEGES on it,
#     and slurm logs in over TCP with the password from slurmdbd.conf and can create a table;
#   - a second run changes nothing (databases, the user's row in mysql.global_priv, its grants);
#   - the password is on no process's command line while the step runs (every /proc/*/cmdline
#     sampled in a loop; a control proves the sampler sees a password when one is there), and
#     in no output or log (the step's, mariadbd's error log, the host's logs).
# Runs in about 30 to 60 s (mariadb-install-db and the first start dominate).
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
if ! command -v mariadbd >/dev/null || [[ ! -e /usr/lib/galera/libgalera_smm.so ]]; then
        cannot_run "mariadb-server and galera-4 are not installed (tests/install-deps.sh installs them)"
fi

HAT_PREFIX=${HAT_PREFIX:-hatdbi}
# shellcheck source=SCRIPTDIR/../../lib/hosts.sh
. "$SRC/tests/lib/hosts.sh"
# shellcheck source=SCRIPTDIR/../../lib/galera.sh
. "$SRC/tests/lib/galera.sh"
trap 'rc=$?; kill "${sampler:-0}" 2>/dev/null || true; hat_teardown; rm -rf "$TMP"; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PW="acct pw#1 'q' \\x"
export HA_TEST_DB_PASSWORD=$PW
printf '%s\n' "$PW" >"$TMP/secrets"

DY=$TMP/cluster-galera.yaml
awk '
        /^nodes:/ { print "database:\n  mariadb:\n    galera: true\n    password_env: HA_TEST_DB_PASSWORD\n" }
        { print }
        /^      vip_owner: true/ { owner = 1 }
        owner && /^        slurm: true/ { print "        slurmdbd: true"; owner = 0 }
' "$YAML" >"$DY"
G=$TMP/gen
"$GENCONF" --config "$DY" --host "$CTL" --output-dir "$G" >/dev/null
t_ok "slurmdbd.conf: StorageHost is ctl1's own Galera node" grep -qx 'StorageHost=10.213.0.11' "$G/slurmdbd.conf"
t_ok "ha-slurm.conf: the check probes DbdPort" grep -qx 'dbd_port = 6819' "$G/ha-slurm.conf"

hat_clean
hat_net_up
hat_host_add ctl1 10.213.0.11
t0=$SECONDS
t_ok "a one-node Galera cluster runs in ctl1" gal_up ctl1
t_note "MariaDB up in $((SECONDS - t0)) s"
t_match "it is a Galera node (wsrep on, cluster of 1)" "$(gal_size ctl1)" '^1$'

# Every process's command line, sampled until stopped (one grep over all of them per pass, so a
# pass takes milliseconds): a hit is recorded with the process's command line. An argument is
# one NUL-terminated string, so a password given as (part of) one argument is found as is.
sample_cmdlines() {
        local p
        while :; do
                for p in $(grep -a -l -F -f "$TMP/secrets" /proc/[0-9]*/cmdline 2>/dev/null || true); do
                        echo "$p: $(tr '\0' ' ' <"$p" 2>/dev/null)" >>"$TMP/hits"
                done
                sleep 0.01
        done
}
# Control: the sampler sees a password on a command line.
sample_cmdlines &
sampler=$!
bash -c 'sleep 2; :' holder "$PW"
kill "$sampler"
wait "$sampler" 2>/dev/null || true
t_ok "control: the sampler sees a password on a command line" test -s "$TMP/hits"
rm -f "$TMP/hits"

# run_step LABEL: install.sh's database step in ctl1, as `install.sh --controller --dbd` runs it.
run_step() {
        RC=0
        # shellcheck disable=SC2016 # the script is for the inner bash, its variables from env
        OUT=$(hat_exec ctl1 env T_CONFIG="$DY" T_GEN="$G" INSTALL="$INSTALL" TMP="$TMP" bash -c '
                set -euo pipefail
                . "$INSTALL"
                CONFIG=$T_CONFIG GEN=$T_GEN ROOT="" DRY=0 DBD=1 HAS_DBD=1 ROLE=controller
                WORK=$(mktemp -d "$TMP/work.XXXXXX")
                step_database
                echo "option files left: $(find "$WORK" -name "*.cnf" | wc -l)"' 2>&1) || RC=$?
        printf '%s\n' "$OUT" >>"$TMP/step.log"
}

# The state the step is responsible for, as root sees it.
db_state() {
        gal_sql ctl1 "SHOW DATABASES LIKE 'slurm_acct_db';
SELECT User, Host, Priv FROM mysql.global_priv WHERE User = 'slurm';
SHOW GRANTS FOR 'slurm'@'%';"
}

sample_cmdlines &
sampler=$!
run_step
t_ok "database step: exit 0" test "$RC" -eq 0
t_match "database step: says what it made" "$OUT" "database slurm_acct_db and user 'slurm'@'%': present"
t_match "database step: slurm's own login works over TCP" "$OUT" "slurmdbd's login works: slurm@10\\.213\\.0\\.11:3306"
t_match "database step: its option files are removed" "$OUT" 'option files left: 0'
t_match "the database exists" "$(gal_sql ctl1 "SHOW DATABASES LIKE 'slurm_acct_db'")" '^slurm_acct_db$'
t_match "slurm@% has ALL PRIVILEGES on slurm_acct_db" "$(gal_sql ctl1 "SHOW GRANTS FOR 'slurm'@'%'")" \
        "GRANT ALL PRIVILEGES ON \`slurm_acct_db\`\\.\\* TO \`slurm\`@\`%\`"
# slurm logs in as slurmdbd would (TCP, the password through an option file); a wrong password
# is refused, so the login check can fail.
login_cnf() { # login_cnf PASSWORD FILE
        (
                umask 077
                printf '[client]\nuser=slurm\npassword="%s"\nhost=10.213.0.11\nport=3306\n' \
                        "$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$1")" >"$2"
        )
}
login_cnf "$PW" "$TMP/slurm.cnf"
login_cnf "not-$PW" "$TMP/wrong.cnf"
t_ok "slurm creates a table in slurm_acct_db" hat_exec ctl1 bash -c \
        "printf 'CREATE TABLE t (a INT PRIMARY KEY); INSERT INTO t VALUES (1); DROP TABLE t;\n' |
         mariadb --defaults-file='$TMP/slurm.cnf' --batch slurm_acct_db"
login_refused() {
        ! printf 'SELECT 1;\n' | hat_exec ctl1 mariadb --defaults-file="$TMP/wrong.cnf" --batch slurm_acct_db \
                >/dev/null 2>&1
}
t_ok "a wrong password is refused" login_refused
rm -f "$TMP/slurm.cnf" "$TMP/wrong.cnf"
before=$(db_state)

run_step
kill "$sampler"
wait "$sampler" 2>/dev/null || true
t_ok "second run: exit 0" test "$RC" -eq 0
t_same "second run: databases, the user and its grants unchanged" "$before" "$(db_state)"

t_ok "no password on any command line while the step ran" test ! -s "$TMP/hits"
[[ ! -s $TMP/hits ]] || t_note "$(cat "$TMP/hits")"
t_ok "no password in the step's output" bash -c "! grep -qF -f '$TMP/secrets' '$TMP/step.log'"
t_ok "no password in mariadbd's error log or the host's logs" bash -c \
        "! grep -rqF -f '$TMP/secrets' '$(gal_dir ctl1)/error.log' '$(hat_host_dir ctl1)/logs'"

gal_down ctl1
t_done
