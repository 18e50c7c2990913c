#!/usr/bin/env bash
# make_test_certs.sh DIR — the certificates the TLS tests use, made with openssl:
#   ca.crt/.key           the test CA
#   server.crt/.key       localhost, 127.0.0.1, ::1, signed by the CA
#   client.crt/.key       a client certificate (mutual TLS), signed by the CA
#   wrong-ca.crt          another CA, which signed nothing here
#   expired.crt/.key      localhost, 127.0.0.1, signed by the CA, valid only in 2020
#   other-name.crt/.key   signed by the CA for other.example only (a host name mismatch)
set -euo pipefail
dir=${1:?usage: make_test_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" >/dev/null 2>&1 || { echo "make_test_certs: failed: $*" >&2; "$@"; exit 1; }; }

key() { quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
self_signed_ca() {
  key "$1.key"
  quiet openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -out "$1.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
# leaf NAME CN SAN: a certificate signed by ca for the given subjectAltName.
leaf() {
  key "$1.key"
  quiet openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" >"$1.ext"
  quiet openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -extfile "$1.ext" \
    -out "$1.crt"
}

self_signed_ca ca "omega-config test CA"
self_signed_ca wrong-ca "some other CA"
rm -f wrong-ca.key
leaf server localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
leaf client omega-reader "DNS:omega-reader"
leaf other-name other.example "DNS:other.example"

# An expired certificate: `openssl ca` can set past dates, `openssl x509 -days` cannot.
key expired.key
quiet openssl req -new -key expired.key -subj "/CN=localhost" -out expired.csr
mkdir -p ca-db
: >ca-db/index.txt
echo 1000 >ca-db/serial
cat >ca-db/ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[leaf]
subjectAltName = DNS:localhost,IP:127.0.0.1
CNF
quiet openssl ca -batch -config ca-db/ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
  -startdate 20200101000000Z -enddate 20200201000000Z -extensions leaf -notext
rm -rf ca-db ./*.csr ./*.ext ./*.srl
chmod 600 ./*.key
