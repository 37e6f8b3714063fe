package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/edge/routes"
)

// Embedder turns texts into vectors of the graph's dimension
// (*bedrock.Embedder, docs.Hashing).
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// docStore is the document side of the graph (*graph.Store).
type docStore interface {
	ClaimDocument(ctx context.Context, d graph.Document) (bool, error)
	WriteDocument(ctx context.Context, d graph.Document, chunks []graph.DocumentChunk) (graph.WriteResult, error)
	MarkDocumentFailed(ctx context.Context, id, version, reason string) error
	RemoveDocument(ctx context.Context, id, sequencer string) (bool, error)
}

// topologyStore starts a streaming plan sync (*graph.Store).
type topologyStore interface {
	BeginTopology(ctx context.Context, opts graph.SyncOptions) (*graph.TopologySync, error)
}

// handlerDeps are the parts the handler uses, built once by build.
type handlerDeps struct {
	objects  objectReader
	docs     docStore
	topology topologyStore
	plan     planSource
	embed    Embedder
	notify   Notifier
	// schema makes the graph's schema before the first write (*graph.Store;
	// nil in tests with fakes). It is there because the store is built
	// without waiting for Neo4j: a server down at cold start gets its
	// schema on the first event after it returns.
	schema interface {
		Ready(ctx context.Context) error
	}
	log *slog.Logger
	now func() time.Time

	limits         docs.Limits // caps on the work of parsing one document; zero fields take docs' defaults
	maxBytes       int64       // object size cap; default docs.MaxBytes
	embedBatch     int         // texts per Embed call; default 32
	fetchParallel  int         // concurrent HWA detail calls in a sync; default 16
	topologyBuffer int         // jobs per graph write in a sync; default 500
}

// handler serves S3 object events and the topology-sync schedule. It is
// safe for concurrent invokes and never written after newHandler.
type handler struct{ handlerDeps }

func newHandler(d handlerDeps) *handler {
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.maxBytes <= 0 {
		d.maxBytes = maxObjectBytes
	}
	if d.embedBatch <= 0 {
		d.embedBatch = 32
	}
	if d.fetchParallel <= 0 {
		d.fetchParallel = 16
	}
	if d.topologyBuffer <= 0 {
		d.topologyBuffer = 500
	}
	return &handler{d}
}

// Result is what an invoke returns (visible in logs and the local stack).
type Result struct {
	Documents []DocumentResult  `json:"documents,omitempty"`
	Topology  *graph.SyncResult `json:"topology,omitempty"`
	Ignored   string            `json:"ignored,omitempty"`
}

// DocumentResult is the outcome for one object event.
type DocumentResult struct {
	ID       string `json:"id"`
	Key      string `json:"key"`
	Outcome  string `json:"outcome"` // ingested | failed | unchanged | deleted | stale
	Chunks   int    `json:"chunks,omitempty"`
	Mentions int    `json:"mentions,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// envelope holds the fields that tell the event kinds apart.
type envelope struct {
	Records []struct {
		EventSource string `json:"eventSource"`
	} `json:"Records"`
	Source     string   `json:"source"`
	DetailType string   `json:"detail-type"`
	Resources  []string `json:"resources"`
}

// Invoke dispatches one event. Errors returned make Lambda retry the event
// (transient failures: Neo4j, S3 or Bedrock unavailable); a document that
// cannot be ingested is recorded as failed and is not an error.
func (h *handler) Invoke(ctx context.Context, raw json.RawMessage) (Result, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return Result{}, fmt.Errorf("ingest: decode event: %w", err)
	}
	if h.schema != nil {
		if err := h.schema.Ready(ctx); err != nil {
			return Result{}, &RetryError{Err: err}
		}
	}
	switch {
	case len(env.Records) > 0 && env.Records[0].EventSource == "aws:s3":
		var ev events.S3Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return Result{}, fmt.Errorf("ingest: decode S3 event: %w", err)
		}
		return h.objectEvents(ctx, ev)
	case env.Source == "aws.events" || env.DetailType == "Scheduled Event":
		sc, ok := routes.ScheduleFor(env.Resources)
		if !ok || sc.Function != routes.Ingest {
			h.log.WarnContext(ctx, "schedule not for ingest", "resources", env.Resources)
			return Result{Ignored: "no ingest schedule named in resources"}, nil
		}
		switch sc.Name {
		case "topology-sync":
			res, err := h.syncTopology(ctx)
			if err != nil {
				return Result{}, err
			}
			return Result{Topology: &res}, nil
		}
		return Result{Ignored: "schedule " + sc.Name + " has no work in ingest"}, nil
	}
	return Result{}, errors.New("ingest: unknown event: neither an S3 event nor a scheduled event")
}

func (h *handler) objectEvents(ctx context.Context, ev events.S3Event) (Result, error) {
	var res Result
	var errs []error
	for _, rec := range ev.Records {
		var (
			r   DocumentResult
			err error
		)
		switch {
		case strings.HasSuffix(objectKey(rec), "/"):
			// A "folder" placeholder the console creates: not a document.
			h.log.InfoContext(ctx, "object event for a folder ignored", "key", objectKey(rec))
			continue
		case strings.HasPrefix(rec.EventName, "ObjectCreated:"):
			r, err = h.ingestObject(ctx, rec)
		case strings.HasPrefix(rec.EventName, "ObjectRemoved:"):
			r, err = h.removeObject(ctx, rec)
		default:
			h.log.InfoContext(ctx, "object event ignored", "event", rec.EventName)
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res.Documents = append(res.Documents, r)
	}
	if len(errs) > 0 {
		return res, &RetryError{Err: errors.Join(errs...)}
	}
	return res, nil
}

// RetryError is returned when some object events failed for a reason that
// may pass (Neo4j, S3 or the embedding model unavailable); Lambda retries the
// event, and versions already done are skipped. Its name is the errorType
// Lambda reports.
type RetryError struct{ Err error }

func (e *RetryError) Error() string { return "ingest: retry: " + e.Err.Error() }

// Unwrap returns the failures.
func (e *RetryError) Unwrap() error { return e.Err }
