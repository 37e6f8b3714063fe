// Package metrics writes CloudWatch Embedded Metric Format (EMF) records:
// one JSON line per record on the function's stdout, which CloudWatch Logs
// turns into metrics without an API call on the request path.
//
// Written by hand because EMF is a small, stable JSON format and the AWS
// Go tooling has no maintained EMF emitter; see
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
package metrics

import (
	"encoding/json"
	"io"
	"slices"
	"sync"
	"time"
)

// Unit is a CloudWatch unit.
type Unit string

// Units used by Resync.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Bytes        Unit = "Bytes"
	None         Unit = "None"
)

// Metric is one value of a record.
type Metric struct {
	Name  string
	Value float64
	Unit  Unit
}

// Emitter writes EMF records to w. It is safe for concurrent use; each record
// is written with a single Write so lines never interleave.
type Emitter struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	now       func() time.Time
}

// New returns an Emitter writing records in namespace. now defaults to time.Now.
func New(w io.Writer, namespace string, now func() time.Time) *Emitter {
	if now == nil {
		now = time.Now
	}
	return &Emitter{w: w, namespace: namespace, now: now}
}

type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

type definition struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit,omitempty"`
}

// Emit writes one record with the given dimensions (one dimension set made of
// all of them) and metrics. A nil Emitter emits nothing. Write errors are
// ignored: metrics must never fail a request.
func (e *Emitter) Emit(dims map[string]string, ms ...Metric) {
	if e == nil || len(ms) == 0 {
		return
	}
	rec := make(map[string]any, len(dims)+len(ms)+1)
	keys := make([]string, 0, len(dims))
	for k, v := range dims {
		keys = append(keys, k)
		rec[k] = v
	}
	sortStrings(keys)
	defs := make([]definition, 0, len(ms))
	for _, m := range ms {
		defs = append(defs, definition{Name: m.Name, Unit: m.Unit})
		rec[m.Name] = m.Value
	}
	rec["_aws"] = map[string]any{
		"Timestamp":         e.now().UnixMilli(),
		"CloudWatchMetrics": []directive{{Namespace: e.namespace, Dimensions: [][]string{keys}, Metrics: defs}},
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return
	}
	line = append(line, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	_, _ = e.w.Write(line)
}

func sortStrings(s []string) { slices.Sort(s) }
