#!/bin/sh
# Certificates for TLS between the Compose Kafka brokers (inter-broker and controller listeners, mutual
# TLS). Run once by the `kafka-tls` service into the `kafka-tls` volume; a volume that already holds
# them is left alone. Uses only keytool (part of the Kafka image's JRE):
#
#   ca.pem            the cluster's own CA certificate (its private key is deleted after signing)
#   broker.p12        the brokers' key and certificate (CN=kafka-broker, SAN kafka, kafka-2, kafka-3,
#                     localhost), the super user of the cluster on its TLS listeners
#   truststore.p12    trusts only ca.pem
#   client.properties how kafka-init and the health checks reach the TLS listener (port 9094)
#
#   KAFKA_TLS_PASSWORD=… kafka-tls.sh DIR [UID]     (UID: owner of the files, the Kafka image's 1000)
set -eu
dir="${1:?usage: kafka-tls.sh DIR [UID]}"
owner="${2:-}"
pw="${KAFKA_TLS_PASSWORD:?KAFKA_TLS_PASSWORD must be set (gen-env.sh writes it)}"
if [ -f "$dir/broker.p12" ] && [ -f "$dir/truststore.p12" ]; then
  echo "kafka-tls: certificates already in $dir"
  exit 0
fi
umask 077
mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
kt() { keytool "$@" -storetype PKCS12 -storepass "$pw" 2>&1 | grep -v -e '^Certificate was added' -e '^$' || true; }

kt -genkeypair -alias ca -dname "CN=vigil-kafka-ca" -keyalg EC -groupname secp384r1 -validity 3650 -ext bc:c -keystore "$work/ca.p12"
keytool -exportcert -rfc -alias ca -keystore "$work/ca.p12" -storetype PKCS12 -storepass "$pw" > "$dir/ca.pem"
kt -genkeypair -alias broker -dname "CN=kafka-broker" -keyalg EC -groupname secp384r1 -validity 825 -keystore "$work/broker.p12"
keytool -certreq -alias broker -keystore "$work/broker.p12" -storetype PKCS12 -storepass "$pw" > "$work/broker.csr"
keytool -gencert -alias ca -keystore "$work/ca.p12" -storetype PKCS12 -storepass "$pw" -validity 825 -rfc \
  -ext SAN=dns:kafka,dns:kafka-2,dns:kafka-3,dns:localhost -ext KU=digitalSignature -ext EKU=serverAuth,clientAuth \
  -infile "$work/broker.csr" -outfile "$work/broker.pem"
# The chain: CA first, then the signed certificate replaces the self-signed one under the same alias.
kt -importcert -noprompt -alias ca -file "$dir/ca.pem" -keystore "$work/broker.p12"
kt -importcert -alias broker -file "$work/broker.pem" -keystore "$work/broker.p12"
kt -importcert -noprompt -alias ca -file "$dir/ca.pem" -keystore "$dir/truststore.p12"
mv "$work/broker.p12" "$dir/broker.p12"
cat > "$dir/client.properties" <<EOF
security.protocol=SSL
ssl.keystore.location=$dir/broker.p12
ssl.keystore.type=PKCS12
ssl.keystore.password=$pw
ssl.key.password=$pw
ssl.truststore.location=$dir/truststore.p12
ssl.truststore.type=PKCS12
ssl.truststore.password=$pw
EOF
chmod 600 "$dir"/*
[ -n "$owner" ] && chown -R "$owner:$owner" "$dir"
echo "kafka-tls: CA and broker certificate written to $dir (CA key discarded)"
