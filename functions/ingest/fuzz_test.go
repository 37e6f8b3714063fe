package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/app/docs"
)

// noTopology refuses every sync: the fuzzed schedules reach the sync's
// first step and no further.
type noTopology struct{}

func (noTopology) BeginTopology(context.Context, graph.SyncOptions) (*graph.TopologySync, error) {
	return nil, errors.New("no graph in the fuzz test")
}

// FuzzInvoke feeds arbitrary events to ingest: S3 object events, schedules
// and whatever else arrives. Properties: it never panics; a decoded object
// event answers one result per document record with a known outcome (a
// failed document has a reason); objects are read only from the event's
// key, whatever the key says.
func FuzzInvoke(f *testing.F) {
	samples, _ := filepath.Glob(filepath.Join("..", "..", "events", "ingest", "*.json"))
	for _, p := range samples {
		if raw, err := os.ReadFile(p); err == nil {
			f.Add(raw)
		}
	}
	f.Add([]byte(s3Created("docs", "uploads/eve/1/notes.md", 12)))
	f.Add([]byte(s3Created("docs", "uploads/eve/2/%2e%2e%2fetc%2fpasswd", 1)))
	f.Add([]byte(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"object":{"key":"a/"}}}]}`))
	f.Add([]byte(`{"source":"aws.events","detail-type":"Scheduled Event","resources":["arn:aws:events:eu-west-1:1:rule/x"]}`))
	f.Add([]byte(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete"}]}`))
	f.Add([]byte(`[]`))
	objects := memObjects{"uploads/eve/1/notes.md": []byte("# Notes\n\nRerun.")}
	f.Fuzz(func(t *testing.T, raw []byte) {
		store := &memDocs{failed: map[string]string{}, written: map[string]int{}}
		h := newHandler(handlerDeps{objects: objects, docs: store, topology: noTopology{}, embed: docs.Hashing{}, notify: &recordingNotifier{},
			limits: docs.Limits{MaxTextBytes: 64 << 10}})
		res, err := h.Invoke(context.Background(), json.RawMessage(raw))
		for _, d := range res.Documents {
			switch d.Outcome {
			case graph.StatusIngested, "unchanged", "deleted", "stale":
			case graph.StatusFailed:
				if d.Reason == "" {
					t.Fatalf("document %s failed without a reason", d.Key)
				}
			default:
				t.Fatalf("document %s has outcome %q", d.Key, d.Outcome)
			}
		}
		if err == nil && res.Topology != nil {
			t.Fatalf("a topology sync succeeded without a graph: %+v", res.Topology)
		}
	})
}
