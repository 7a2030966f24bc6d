# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with install.sh and the other parts
#
# install/database.sh - part of install.sh (sourced by it, never run): step 12.
# Owns: slurmdbd's database and user in MariaDB (--dbd), created through 0600 option files and
# SQL on a pipe, so that no password is ever on a command line.

# The MariaDB root password, from the variable database.mariadb.root_password names
# ("${VAR}"; ha-genconf refuses anything else). Empty when there is none: then the local
# server is reached through its socket as root (unix_socket authentication).
db_root_password_var() {
        sed -n 's/^[[:space:]]*root_password:[[:space:]]*["'\'']\{0,1\}\${\([A-Za-z_][A-Za-z0-9_]*\)}.*/\1/p' "$CONFIG" | head -n 1
}

# An option-file value: in double quotes, with \ and " escaped.
optfile_quote() {
        local v=${1//\\/\\\\}
        printf '"%s"' "${v//\"/\\\"}"
}

# A string literal for SQL.
sql_quote() {
        local v=${1//\\/\\\\}
        printf "'%s'" "${v//\'/\'\'}"
}

# slurm_login_works CLIENT OPTION_FILE DB: slurmdbd's user logs in to DB with its password.
slurm_login_works() {
        printf 'SELECT 1;\n' | "$1" --defaults-extra-file="$2" --batch "$3" >/dev/null 2>&1
}

step_database() {
        local conf=$GEN/slurmdbd.conf host port user db pass var rootpw='' client admin check sql login
        step "Set up slurmdbd and its database"
        if ((HAS_DBD == 0)); then
                say "not needed on this host (it runs no slurmdbd)"
                return 0
        fi
        host=$(conf_get "$conf" StorageHost || echo localhost)
        port=$(conf_get "$conf" StoragePort || echo 3306)
        user=$(conf_get "$conf" StorageUser || echo slurm)
        db=$(conf_get "$conf" StorageLoc || echo slurm_acct_db)
        if ((DBD == 0)); then
                say "slurmdbd.conf installed; the database is left alone (give --dbd, on one controller, to create database $db and user $user)"
                return 0
        fi
        if [[ -n $ROOT ]]; then
                note "skipped under --root: database $db and user '$user'@'%' on $host:$port are created by a real run on the host"
                return 0
        fi
        var=$(db_root_password_var)
        if [[ -n $var ]]; then
                if [[ -z ${!var+x} ]]; then
                        refuse "database.mariadb.root_password names \$$var, which is not set in install.sh's environment (run as root with $var set)"
                        return 0
                fi
                rootpw=${!var}
                admin="root at $host:$port (password from \$$var)"
        else
                admin="root through the local server's socket (no database.mariadb.root_password)"
        fi
        if ((DRY)); then
                say "would create database $db and user '$user'@'%' (password from slurmdbd.conf) as $admin"
                return 0
        fi
        client=$(command -v mariadb || command -v mysql) ||
                die "no mariadb/mysql client: install mariadb-client (Debian) or mariadb (RHEL)"
        pass=$(slurm_unquote "$(conf_get "$conf" StoragePass)")

        # Credentials go through 0600 files in this run's 0700 folder, SQL through a pipe from
        # printf (a shell builtin): neither is ever on a command line.
        check=$WORK/client-admin.cnf
        (
                umask 077
                {
                        echo "[client]"
                        echo "user=root"
                        if [[ -n $var ]]; then
                                echo "password=$(optfile_quote "$rootpw")"
                                echo "host=$host"
                                echo "port=$port"
                        fi
                } >"$check"
        )
        # The password is set only when slurm cannot log in with it: ALTER USER with the same
        # password would still change the account (password_last_changed), and a second run
        # must change nothing.
        login=$WORK/client-slurm.cnf
        (
                umask 077
                printf '[client]\nuser=%s\npassword=%s\nhost=%s\nport=%s\n' "$user" \
                        "$(optfile_quote "$pass")" "$host" "$port" >"$login"
        )
        sql="SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');
CREATE DATABASE IF NOT EXISTS \`$db\`;
CREATE USER IF NOT EXISTS $(sql_quote "$user")@'%' IDENTIFIED BY $(sql_quote "$pass");"
        if ! slurm_login_works "$client" "$login" "$db"; then
                sql+="
ALTER USER $(sql_quote "$user")@'%' IDENTIFIED BY $(sql_quote "$pass");"
        fi
        sql+="
GRANT ALL PRIVILEGES ON \`$db\`.* TO $(sql_quote "$user")@'%';"
        printf '%s\n' "$sql" | "$client" --defaults-extra-file="$check" --batch ||
                die "failed to create the database '$db' and the user '$user' as $admin (the client's message is above)"
        say "database $db and user '$user'@'%': present, with the password from slurmdbd.conf"

        if slurm_login_works "$client" "$login" "$db"; then
                say "slurmdbd's login works: $user@$host:$port, database $db"
        else
                warn "$user cannot log in to $host:$port yet (is $host the database's address, and the VIP up?)"
        fi
        rm -f -- "$WORK"/client-*.cnf
}
