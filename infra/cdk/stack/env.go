package stack

// Environment variables the stack sets for the functions. The names of the
// shared contract are those of package config in the root module (which the
// functions load); they are repeated here so that this module depends only
// on the pure route table, and TestEnvNamesMatchSharedConfig keeps the two
// lists equal.
const (
	EnvStage           = "STAGE"
	EnvLogLevel        = "LOG_LEVEL"
	EnvRedisURL        = "REDIS_URL"             // rediss://host:port, without credentials
	EnvRedisAuthSecret = "REDIS_AUTH_SECRET_ARN" // plain-string secret: the AUTH token
	EnvHWAURL          = "HWA_URL"
	EnvHWASecretARN    = "HWA_SECRET_ARN" // JSON {"url","user","password","apiKey"}
	EnvNeo4jURI        = "NEO4J_URI"
	EnvNeo4jSecretARN  = "NEO4J_SECRET_ARN" // JSON {"user","password"}
	EnvAuthIssuer      = "AUTH_ISSUER"
	EnvAuthClientID    = "AUTH_CLIENT_ID"
	EnvBedrockRegion   = "BEDROCK_REGION"
	EnvBedrockModel    = "BEDROCK_MODEL_ID"
	EnvEmbeddingModel  = "BEDROCK_EMBED_MODEL_ID" // chat, ingest, health
	EnvDocumentsBucket = "DOCUMENTS_BUCKET"       // admin, ingest
	EnvAuditBucket     = "AUDIT_BUCKET"           // chat, admin, mcp, health: the durable audit trail
	EnvWSEndpoint      = "WS_ENDPOINT"            // chat, ingest, health: https://<api>.execute-api.<region>.amazonaws.com/<stage>
	EnvConsoleURL      = "CONSOLE_URL"            // mcp, health: the web client's origin, for links to proposals and jobs
	EnvAlertsSecretARN = "ALERTS_SECRET_ARN"      // health: JSON {"<channel id>": "<webhook URL>"}
	EnvShifts          = "SHIFTS"                 // health: shift boundaries of the handover
	EnvPlanTimeZone    = "PLAN_TIME_ZONE"         // health: the plan's IANA time zone
)

// EnvMetricsNamespace is set for health beyond the shared contract: the
// namespace of its EMF metrics, which the health alarm watches.
const EnvMetricsNamespace = "METRICS_NAMESPACE"

// sharedEnv maps each shared-contract constant of this package to the name
// of the same constant in package config.
func sharedEnv() map[string]string {
	return map[string]string{
		"EnvStage": EnvStage, "EnvLogLevel": EnvLogLevel, "EnvRedisURL": EnvRedisURL,
		"EnvRedisAuthSecretARN": EnvRedisAuthSecret,
		"EnvHWAURL":             EnvHWAURL, "EnvHWASecretARN": EnvHWASecretARN,
		"EnvNeo4jURI": EnvNeo4jURI, "EnvNeo4jSecretARN": EnvNeo4jSecretARN,
		"EnvAuthIssuer": EnvAuthIssuer, "EnvAuthClientID": EnvAuthClientID,
		"EnvBedrockRegion": EnvBedrockRegion, "EnvBedrockModel": EnvBedrockModel,
		"EnvEmbeddingModel": EnvEmbeddingModel, "EnvDocumentsBucket": EnvDocumentsBucket,
		"EnvWSEndpoint": EnvWSEndpoint, "EnvAuditBucket": EnvAuditBucket, "EnvConsoleURL": EnvConsoleURL,
		"EnvAlertsSecretARN": EnvAlertsSecretARN, "EnvShifts": EnvShifts, "EnvPlanTimeZone": EnvPlanTimeZone,
	}
}
