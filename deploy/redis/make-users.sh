#!/usr/bin/env bash
# make-users.sh OUTPUT — writes a Redis ACL file (redis-server --aclfile OUTPUT) with the
# omega users and real passwords, stored only as SHA-256 hashes:
#   default       off: a client that does not log in can do nothing
#   omega-reader  what libomega_config and the Python package send, read-only
#   omega-writer  what omega-settingsd sends: a commit, a reconcile, WAIT
#   omega-admin   everything, only when an admin password is given (ACL LOAD, BGSAVE, DEL)
# The rules and why each command is there: docs/operations.md, "Redis users".
#
# Passwords come from files (one password per line; two lines during a rotation, both
# valid) or from the environment:
#   OMEGA_READER_PASSWORD_FILE | OMEGA_READER_PASSWORD   required
#   OMEGA_WRITER_PASSWORD_FILE | OMEGA_WRITER_PASSWORD   required
#   OMEGA_ADMIN_PASSWORD_FILE  | OMEGA_ADMIN_PASSWORD    optional
#   OMEGA_REDIS_DB     the database in the URLs (default 0; another adds +select)
#   OMEGA_KEY_PREFIX   the daemon's --key-prefix / the readers' namespace_prefix (default none)
set -euo pipefail
out=${1:?usage: make-users.sh OUTPUT (passwords from OMEGA_*_PASSWORD_FILE or OMEGA_*_PASSWORD)}
db=${OMEGA_REDIS_DB:-0}
prefix=${OMEGA_KEY_PREFIX:-}

die() { echo "make-users.sh: $*" >&2; exit 1; }
[[ "$db" =~ ^(0|[1-9][0-9]{0,3})$ ]] || die "OMEGA_REDIS_DB must be a database number, not '$db'"
# A prefix lands in ACL glob patterns: no glob characters, no spaces.
[[ -z "$prefix" || "$prefix" =~ ^[A-Za-z0-9_.:-]+$ ]] || die "OMEGA_KEY_PREFIX may hold only letters, digits and _.:-"

# password_hashes ROLE: "#<sha256>" for each password of ROLE (from its file or variable).
password_hashes() {
  local role=$1 file_var="OMEGA_${1}_PASSWORD_FILE" var="OMEGA_${1}_PASSWORD" passwords hashes=() pw
  if [ -n "${!file_var:-}" ]; then
    passwords=$(cat -- "${!file_var}") || die "cannot read $file_var (${!file_var})"
  else
    passwords=${!var:-}
  fi
  while IFS= read -r pw; do
    [ -z "$pw" ] && continue
    [ "${#pw}" -ge 16 ] || die "a ${role,,} password is shorter than 16 characters (use e.g. openssl rand -hex 32)"
    hashes+=("#$(printf '%s' "$pw" | sha256sum | cut -d' ' -f1)")
  done <<<"$passwords"
  echo "${hashes[*]}"
}

reader=$(password_hashes READER)
writer=$(password_hashes WRITER)
admin=$(password_hashes ADMIN)
[ -n "$reader" ] || die "no reader password: set OMEGA_READER_PASSWORD_FILE or OMEGA_READER_PASSWORD"
[ -n "$writer" ] || die "no writer password: set OMEGA_WRITER_PASSWORD_FILE or OMEGA_WRITER_PASSWORD"

ns=${prefix:+$prefix:}
select=""
[ "$db" = 0 ] || select=" +select"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
  echo "user default reset off"
  echo "user omega-reader reset on $reader %R~${ns}omega:* &${ns}config_channel +get +mget +strlen +subscribe +ping +client|setname +role$select"
  echo "user omega-writer reset on $writer ~${ns}omega:* &${ns}config_channel +mget +get +watch +unwatch +multi +set +publish +exec +ping +wait +role +client|list +info$select"
  [ -z "$admin" ] || echo "user omega-admin reset on $admin ~* &* +@all"
} >"$tmp"
chmod 640 "$tmp"
mv "$tmp" "$out"
trap - EXIT
