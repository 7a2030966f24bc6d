#!/bin/bash
# database.sh - slurmdbd's password stays secret: slurmdbd.conf is installed 0600 slurm (and
# its .bak too), a dry run's diff hides the password, no output carries it; the same for the
# VRRP password (keepalived.conf 0600, auth_pass hidden in the diff); and the database
# step (--dbd) gives the MariaDB client its credentials through a 0600 option file and its SQL
# through a pipe, never on a command line (tests/integration/install/database_mariadb.sh runs the
# step against a real MariaDB). The client here is a stand-in that records what it
# was given (no MariaDB server runs in this test); install.sh is sourced for its functions.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"

# ctl1 runs slurmdbd; the password comes from an environment variable; the MariaDB root
# password from the variable root_password names.
DY=$TMP/cluster-dbd.yaml
awk '
        /^nodes:/ { print "database:\n  mariadb:\n    host: 10.213.0.100\n    password_env: HA_TEST_DB_PASSWORD\n    root_password: ${HA_TEST_DB_ROOT}\n" }
        { print }
        /^network:/ { print "  vrrp:\n    auth_pass: ${HA_TEST_VRRP}" }
        /^      vip_owner: true/ { owner = 1 }
        owner && /^        slurm: true/ { print "        slurmdbd: true"; owner = 0 }
' "$YAML" >"$DY"
PW1="s3cr#t x\\y'z"
PW2="other#pw 2"
ROOTPW='r00t"pw\x'
VRRP1=Vr1p@ss1 VRRP2=Vr1p@ss2
export HA_TEST_DB_PASSWORD=$PW1 HA_TEST_DB_ROOT=$ROOTPW HA_TEST_VRRP=$VRRP1
printf '%s\n' "$PW1" "$PW2" "$ROOTPW" "$VRRP1" "$VRRP2" >"$TMP/secrets"
# no_secret DESC TEXT: TEXT holds none of the passwords.
no_secret() {
        local hit=0
        grep -qF -f "$TMP/secrets" <<<"$2" && hit=1
        _t_report "$hit" "$1" "a password appears in the output"
}

# ---- slurmdbd.conf ----
R=$(new_root)
run_install --controller --dbd --config "$DY" --host "$CTL" --root "$R" --new-munge-key
t_ok "controller with slurmdbd: exit 0" test "$RC" -eq 0
stat_is "slurmdbd.conf 0600 slurm" "$R/etc/slurm/slurmdbd.conf" "600 slurm:slurm"
t_ok "slurmdbd.conf holds the password (escaped as Slurm reads it)" \
        grep -qxF 'StoragePass="s3cr\#t x\\y'"'"'z"' "$R/etc/slurm/slurmdbd.conf"
t_match "the database is left alone under --root, with a line" "$OUT" 'skipped under --root: database slurm_acct_db'
no_secret "no password in the output of the run" "$OUT"
before=$(listing "$R")
run_install --controller --dbd --config "$DY" --host "$CTL" --root "$R"
t_ok "second run: exit 0" test "$RC" -eq 0
t_same "second run: nothing changed" "$before" "$(listing "$R")"

# New passwords: the dry run's diff hides both of each.
export HA_TEST_DB_PASSWORD=$PW2 HA_TEST_VRRP=$VRRP2
run_install --controller --dbd --config "$DY" --host "$CTL" --root "$R" --dry-run
t_ok "new password, dry run: exit 0" test "$RC" -eq 0
t_match "the diff shows that StoragePass changes" "$OUT" $'-StoragePass=\\(hidden\\)\n +\\+StoragePass=\\(hidden\\)'
t_match "the diff shows that keepalived's auth_pass changes" "$OUT" $'-[[:space:]]*auth_pass[[:space:]]+\\(hidden\\)\n +\\+[[:space:]]*auth_pass[[:space:]]+\\(hidden\\)'
no_secret "no password in the dry run's diff" "$OUT"
t_same "new password, dry run: nothing changed" "$before" "$(listing "$R")"
run_install --controller --dbd --config "$DY" --host "$CTL" --root "$R"
t_ok "new password: exit 0" test "$RC" -eq 0
stat_is "slurmdbd.conf.bak keeps 0600 slurm" "$R/etc/slurm/slurmdbd.conf.bak" "600 slurm:slurm"
stat_is "slurmdbd.conf still 0600 slurm" "$R/etc/slurm/slurmdbd.conf" "600 slurm:slurm"
no_secret "no password in the output of the run" "$OUT"
t_ok "keepalived.conf holds the new VRRP password, mode 0600" \
        bash -c "grep -qE 'auth_pass[[:space:]]+$VRRP2\$' '$R/etc/keepalived/keepalived.conf' && test \$(stat -c %a '$R/etc/keepalived/keepalived.conf') = 600"
export HA_TEST_DB_PASSWORD=$PW1 HA_TEST_VRRP=$VRRP1

# ---- the database step, with a stand-in client ----
BIN=$TMP/bin
REC=$TMP/calls
mkdir -p "$BIN" "$REC"
cat >"$BIN/mariadb" <<'EOF'
#!/bin/bash
# A stand-in for the MariaDB client: records its arguments, its option file (and mode), its
# SQL, and every process whose command line holds a password at this moment.
d=$REC/call$(find "$REC" -mindepth 1 -maxdepth 1 | wc -l)
mkdir -p "$d"
printf '%s\n' "$@" >"$d/argv"
for a; do
        case $a in
        --defaults-extra-file=*)
                cp "${a#*=}" "$d/cnf"
                stat -c '%a %U' "${a#*=}" >"$d/cnf.mode"
                ;;
        esac
done
cat >"$d/stdin"
for p in /proc/[0-9]*/cmdline; do
        tr '\0' ' ' 2>/dev/null <"$p" | grep -qF -f "$SECRETS" && echo "$p" >>"$d/cmdline-hits"
done
exit 0
EOF
chmod 0755 "$BIN/mariadb"
# The stand-in sees a password on a command line when there is one (a control).
mkdir -p "$TMP/control"
bash -c 'while :; do sleep 0.1; done' holder "$PW1" &
holder=$!
REC=$TMP/control SECRETS=$TMP/secrets "$BIN/mariadb" --defaults-extra-file=/dev/null </dev/null
kill "$holder"
wait "$holder" 2>/dev/null || true
t_ok "control: a password on a command line is seen" test -s "$TMP/control/call0/cmdline-hits"

G=$TMP/gen-dbd
"$GENCONF" --config "$DY" --host "$CTL" --output-dir "$G" >/dev/null

RC=0
OUT=$(
        export REC SECRETS=$TMP/secrets PATH=$BIN:$PATH
        # shellcheck source=SCRIPTDIR/../../../install.sh
        . "$INSTALL"
        # shellcheck disable=SC2034 # read by install.sh's step_database
        CONFIG=$DY GEN=$G ROOT='' DRY=0 DBD=1 HAS_DBD=1 ROLE=controller
        WORK=$(mktemp -d "$TMP/work.XXXXXX")
        step_database
        echo "left in the work folder: $(find "$WORK" -name '*.cnf' | wc -l)"
) 2>&1 || RC=$?
t_ok "database step: exit 0" test "$RC" -eq 0
t_match "database step: says what it made" "$OUT" "database slurm_acct_db and user 'slurm'@'%': present"
t_match "database step: slurmdbd's login checked" "$OUT" "slurmdbd's login works: slurm@10\\.213\\.0\\.100:3306"
no_secret "database step: no password in its output" "$OUT"
t_match "database step: the option files are removed" "$OUT" 'left in the work folder: 0'
t_ok "the client was called three times (slurm's login, admin, slurm's login)" \
        test -d "$REC/call0" -a -d "$REC/call1" -a -d "$REC/call2" -a ! -d "$REC/call3"
t_ok "no password on any command line while the client ran" \
        test ! -e "$REC/call0/cmdline-hits" -a ! -e "$REC/call1/cmdline-hits" -a ! -e "$REC/call2/cmdline-hits"
t_ok "no password in the client's arguments" bash -c "! grep -qF -f '$TMP/secrets' '$REC/call0/argv' '$REC/call1/argv' '$REC/call2/argv'"
t_ok "the option file comes first (--defaults-extra-file)" grep -q '^--defaults-extra-file=' <(head -n 1 "$REC/call1/argv")
t_ok "the admin option file is 0600 root" test "$(cat "$REC/call1/cnf.mode")" == "600 root"
t_ok "admin: root, at the database host and port" \
        bash -c "grep -qx 'user=root' '$REC/call1/cnf' && grep -qx 'host=10.213.0.100' '$REC/call1/cnf' && grep -qx 'port=3306' '$REC/call1/cnf'"
t_ok "admin: the root password quoted for an option file" grep -qxF 'password="r00t\"pw\\x"' "$REC/call1/cnf"
sql=$(cat "$REC/call1/stdin")
# shellcheck disable=SC2016 # backquotes of SQL
t_match "SQL: the database" "$sql" 'CREATE DATABASE IF NOT EXISTS `slurm_acct_db`;'
t_match "SQL: the user, with the password quoted for SQL" "$sql" "CREATE USER IF NOT EXISTS 'slurm'@'%' IDENTIFIED BY 's3cr#t x\\\\\\\\y''z';"
t_match "SQL: the grant" "$sql" "GRANT ALL PRIVILEGES ON \`slurm_acct_db\`\\.\\* TO 'slurm'@'%';"
t_ok "slurm's login: 0600, user slurm, its password" \
        bash -c "test \"\$(cat '$REC/call2/cnf.mode')\" == '600 root' && grep -qx 'user=slurm' '$REC/call2/cnf' && grep -qxF 'password=\"s3cr#t x\\\\y'\"'\"'z\"' '$REC/call2/cnf'"

t_done
