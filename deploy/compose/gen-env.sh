#!/bin/sh
# Print a .env with freshly generated secrets: ./gen-env.sh > .env
set -eu
rand() { head -c "$1" /dev/urandom | base64 | tr -d '/+=\n' | cut -c1-"$2"; }
echo "POSTGRES_PASSWORD=$(rand 48 32)"
# KRaft cluster ids are 16 random bytes, base64url without padding (22 chars).
echo "KAFKA_CLUSTER_ID=$(head -c 16 /dev/urandom | base64 | tr '/+' '_-' | tr -d '=\n')"
echo "VIGIL_BASELINE_LEARNING_PERIOD=7d"
