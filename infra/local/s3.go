package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

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
//
// retry are the delays of the retries of an event whose invoke failed, as
// Lambda retries an asynchronous invoke (RetryAttempts in infra/cdk); after
// the last the event is dropped with an error log, where AWS would send it
// to the dead-letter queue.
func startS3(invoke invokeFunc, log *slog.Logger, region string, env []string, retry []time.Duration) (*s3local.Server, []string, error) {
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
				deliver(ctx, invoke, log, retry, fn, ev, payload, 0)
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

// deliver invokes fn with the object event and, when that fails, schedules
// the next retry of retry (attempt counts the retries made). Retries run
// on timers, so a failing event does not hold back the ones after it, as in
// Lambda; ingest orders versions by the event's sequencer. A retry pending
// when ctx ends is dropped.
func deliver(ctx context.Context, invoke invokeFunc, log *slog.Logger, retry []time.Duration, fn string, ev events.S3Event, payload []byte, attempt int) {
	name, key := ev.Records[0].EventName, ev.Records[0].S3.Object.URLDecodedKey
	res, err := invoke(ctx, fn, payload)
	failure := ""
	switch {
	case err != nil:
		failure = err.Error()
	case res.FunctionError != "":
		failure = string(res.Payload)
	default:
		log.Info("s3: object event delivered", "function", fn, "event", name, "key", key, "attempt", attempt+1)
		return
	}
	if attempt >= len(retry) {
		log.Error("s3: object event failed after its retries; dropped (a dead-letter queue in AWS)", "function", fn, "event", name, "key", key, "attempts", attempt+1, "error", failure)
		return
	}
	log.Warn("s3: object event failed; retrying", "function", fn, "event", name, "key", key, "attempt", attempt+1, "in", retry[attempt].String(), "error", failure)
	t := time.NewTimer(retry[attempt])
	go func() {
		defer t.Stop()
		select {
		case <-ctx.Done():
			log.Warn("s3: pending retry of an object event dropped: the stack stops", "function", fn, "event", name, "key", key)
		case <-t.C:
			deliver(ctx, invoke, log, retry, fn, ev, payload, attempt+1)
		}
	}()
}
