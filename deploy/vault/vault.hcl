# Vault server configuration of one node of kyso's three-node Raft cluster
# (docs/operations.md, "A cluster from zero"). It is a template: write it on
# each node with its own values, e.g.
#
#   envsubst < vault.hcl > "$VAULT_CONFIG_DIR/vault.hcl"
#
# VAULT_NODE_ID     this node's Raft id (vault-1, vault-2, vault-3)
# VAULT_DATA_DIR    its Raft data directory (owned by the vault user, 0700)
# VAULT_CONFIG_DIR  holds ca.pem, vault.pem and vault-key.pem (its TLS
#                   certificate, which names VAULT_API_ADDR's host)
# VAULT_LISTEN, VAULT_CLUSTER_LISTEN   where it listens (API, Raft cluster)
# VAULT_API_ADDR, VAULT_CLUSTER_ADDR   how the other nodes and clients reach it
# VAULT_PEER_1..3   the API addresses of the three nodes (retry_join)

storage "raft" {
  path    = "${VAULT_DATA_DIR}"
  node_id = "${VAULT_NODE_ID}"

  retry_join {
    leader_api_addr     = "${VAULT_PEER_1}"
    leader_ca_cert_file = "${VAULT_CONFIG_DIR}/ca.pem"
  }
  retry_join {
    leader_api_addr     = "${VAULT_PEER_2}"
    leader_ca_cert_file = "${VAULT_CONFIG_DIR}/ca.pem"
  }
  retry_join {
    leader_api_addr     = "${VAULT_PEER_3}"
    leader_ca_cert_file = "${VAULT_CONFIG_DIR}/ca.pem"
  }
}

listener "tcp" {
  address         = "${VAULT_LISTEN}"
  cluster_address = "${VAULT_CLUSTER_LISTEN}"
  tls_cert_file   = "${VAULT_CONFIG_DIR}/vault.pem"
  tls_key_file    = "${VAULT_CONFIG_DIR}/vault-key.pem"
  tls_min_version = "tls12"
}

api_addr     = "${VAULT_API_ADDR}"
cluster_addr = "${VAULT_CLUSTER_ADDR}"

# Integrated storage keeps its data in memory-mapped files, which mlock
# cannot hold; keep swap off (or encrypted) on the node instead.
disable_mlock = true
ui            = false
