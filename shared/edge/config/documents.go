package config

import (
	"context"
	"encoding/json"
	"fmt"
)

// Environment of the document pipeline (admin's upload URLs, ingest).
const (
	// EnvDocumentsBucket is the S3 bucket runbooks are uploaded to.
	EnvDocumentsBucket = "DOCUMENTS_BUCKET"
	// EnvS3Endpoint overrides the S3 endpoint (the local stack's S3
	// stand-in); path-style addressing is used when it is set.
	EnvS3Endpoint = "S3_ENDPOINT"
	// EnvEmbeddingModel is the Bedrock embedding model (Titan Text
	// Embeddings v2, amazon.titan-embed-text-v2:0), the name the CDK stack
	// sets. With BEDROCK_REGION set too, ingest embeds with it; otherwise
	// with the offline lexical embedder (docs.Hashing).
	EnvEmbeddingModel = "BEDROCK_EMBED_MODEL_ID"
	// EnvNeo4jDatabase names the Neo4j database; empty: the user's home database.
	EnvNeo4jDatabase = "NEO4J_DATABASE"
)

// ResolveNeo4j reads the Neo4j user and password from the secret arn, the
// JSON {"user","password"}; the user defaults to "neo4j".
func ResolveNeo4j(ctx context.Context, sm SecretGetter, arn string) (user, password string, err error) {
	v, err := secretString(ctx, sm, arn, "Neo4j", EnvNeo4jSecretARN)
	if err != nil {
		return "", "", err
	}
	var s struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(v), &s); err != nil || s.Password == "" {
		return "", "", fmt.Errorf("config: the Neo4j secret is not the JSON {user,password}")
	}
	if s.User == "" {
		s.User = "neo4j"
	}
	return s.User, s.Password, nil
}

// EnvAuditBucket is the S3 bucket of the durable audit trail (package
// s3audit): Object Lock on, records under audit/. S3_ENDPOINT applies to it
// too. The functions that write audit records (chat, admin) require it
// outside the development stage.
const EnvAuditBucket = "AUDIT_BUCKET"
