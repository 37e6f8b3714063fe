package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/internal/s3local"
	sharedconfig "github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/routes"
)

// The local stack's buckets: documents, and the durable audit trail
// (package s3audit; Object Lock is AWS's, the chain and the conditional
// writes are the same here).
const (
	documentsBucket = "resync-documents"
	auditBucket     = "resync-audit"
)

// invokeFunc invokes a function through the Lambda stand-in.
type invokeFunc func(ctx context.Context, name string, payload []byte) (lambdasvc.Result, error)

// startS3 starts the S3 stand-in (internal/s3local) for the documents
// bucket on a loopback port. It checks SigV4 signatures with the local
// credentials the functions get (AWS_ACCESS_KEY_ID=local,
// AWS_SECRET_ACCESS_KEY=local), honours presigned upload conditions, and
// sends each object event to the functions the route table's object
// triggers name (ingest) through invoke, in order, as a bucket notification
// would. It returns the environment the functions need: DOCUMENTS_BUCKET,
// AUDIT_BUCKET and S3_ENDPOINT. startStack calls it once the Lambda stand-in exists and
// before the functions are registered; Close closes it before the functions.
//
// env is the functions' environment: when it carries the developer's own
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (passed through for real
// Bedrock), the stand-in accepts those too, since the functions sign their
// S3 calls with them.
func startS3(invoke invokeFunc, log *slog.Logger, region string, env []string) (*s3local.Server, []string, error) {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	keys := map[string]string{}
	if id, secret := vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"]; id != "" && secret != "" {
		keys[id] = secret
	}
	var targets []string
	for _, tr := range routes.ObjectTriggers() {
		targets = append(targets, tr.Function)
	}
	srv, err := s3local.Start(s3local.Config{
		AccessKey: "local", SecretKey: "local", Keys: keys, Region: region,
		Buckets: []string{documentsBucket, auditBucket}, Log: log,
		Notify: func(ctx context.Context, ev events.S3Event) {
			payload, err := json.Marshal(ev)
			if err != nil {
				log.Error("s3: encode object event", "err", err)
				return
			}
			for _, fn := range targets {
				res, err := invoke(ctx, fn, payload)
				switch {
				case err != nil:
					log.Warn("s3: object event not delivered", "function", fn, "event", ev.Records[0].EventName, "err", err)
				case res.FunctionError != "":
					log.Warn("s3: object event failed", "function", fn, "event", ev.Records[0].EventName, "error", string(res.Payload))
				default:
					log.Info("s3: object event delivered", "function", fn, "event", ev.Records[0].EventName, "key", ev.Records[0].S3.Object.URLDecodedKey)
				}
			}
		},
	}, "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("local: s3: %w", err)
	}
	return srv, []string{
		sharedconfig.EnvDocumentsBucket + "=" + documentsBucket,
		sharedconfig.EnvAuditBucket + "=" + auditBucket,
		sharedconfig.EnvS3Endpoint + "=" + srv.URL(),
	}, nil
}
