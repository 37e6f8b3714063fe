// Package s3local is the S3 stand-in of the local stack and of tests: the
// gofakes3 in-memory server behind a SigV4 check, so the real aws-sdk-go-v2
// client signs its calls and presigned URLs are honoured as S3 honours them
// (expiry, and every signed header — an upload presigned with a
// Content-Length and Content-Type fails with another length or type). After
// an object is created or removed it delivers an S3 notification
// (events.S3Event, as S3 sends to Lambda) to a callback, one at a time and in
// order, like a bucket notification to the ingest function.
//
// Buckets are created versioned, so events carry version ids and an
// overwritten key keeps its earlier versions (ListObjectVersions). A PutObject
// with If-None-Match: "*" is a conditional write, checked under gofakes3's
// lock: it fails with 412 PreconditionFailed when the key exists, as S3's
// does (TestIfNoneMatch), which the audit trail's sequence numbers rely on.
package s3local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Config configures a Server. Zero fields take the defaults.
type Config struct {
	AccessKey string // default DefaultAccessKey
	SecretKey string // default DefaultSecretKey
	Region    string // default "us-east-1"
	// Keys are more access key ids accepted, each with its secret (the
	// local stack adds the developer's own credentials when passed through).
	Keys    map[string]string
	Buckets []string
	// Notify receives each object event; nil drops them. It runs on one
	// goroutine, in the order the objects changed.
	Notify func(ctx context.Context, ev events.S3Event)
	Now    func() time.Time
	Log    *slog.Logger
}

// Default credentials of the stand-in (not secrets: they only open it).
const (
	DefaultAccessKey = "resync-local"
	DefaultSecretKey = "resync-local-secret"
)

// Server is a running stand-in. Close stops it.
type Server struct {
	cfg     Config
	backend *s3mem.Backend
	faker   http.Handler
	ln      net.Listener
	srv     *http.Server
	url     string
	queue   chan events.S3Event
	done    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	seq     uint64
	closed  bool
}

// New builds the stand-in without listening; serve it with Handler or Start.
func New(cfg Config) (*Server, error) {
	if cfg.AccessKey == "" {
		cfg.AccessKey = DefaultAccessKey
	}
	if cfg.SecretKey == "" {
		cfg.SecretKey = DefaultSecretKey
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	backend := s3mem.New()
	for _, b := range cfg.Buckets {
		if err := backend.CreateBucket(b); err != nil {
			return nil, fmt.Errorf("s3local: create bucket %s: %w", b, err)
		}
		if err := backend.SetVersioningConfiguration(b, gofakes3.VersioningConfiguration{Status: gofakes3.VersioningEnabled}); err != nil {
			return nil, fmt.Errorf("s3local: version bucket %s: %w", b, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, backend: backend,
		faker: gofakes3.New(backend, gofakes3.WithTimeSource(clock{cfg.Now})).Server(),
		queue: make(chan events.S3Event, 1024), done: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
	go s.deliver()
	return s, nil
}

// clock adapts Config.Now to gofakes3's time source.
type clock struct{ now func() time.Time }

func (c clock) Now() time.Time                  { return c.now() }
func (c clock) Since(t time.Time) time.Duration { return c.now().Sub(t) }

// Start builds a stand-in listening on addr (e.g. "127.0.0.1:0").
func Start(cfg Config, addr string) (*Server, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", addr); err != nil {
		s.Close()
		return nil, fmt.Errorf("s3local: listen on %s: %w", addr, err)
	}
	s.url = "http://" + s.ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(s.ln) }()
	return s, nil
}

// URL is the endpoint to give the SDK (with path-style addressing), after Start.
func (s *Server) URL() string { return s.url }

// Region returns the region requests must be signed for.
func (s *Server) Region() string { return s.cfg.Region }

// Close stops listening, lets the queued events be delivered, and returns.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = s.srv.Shutdown(ctx)
		cancel()
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
	}
	s.cancel()
}

func (s *Server) deliver() {
	defer close(s.done)
	for ev := range s.queue {
		if s.cfg.Notify != nil {
			s.cfg.Notify(s.ctx, ev)
		}
	}
}

// ServeHTTP verifies the signature, lets gofakes3 answer, and queues the
// object event of a successful PUT, copy, completed multipart upload or DELETE.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A CORS preflight carries no credentials (S3 answers it from the
	// bucket's CORS rules); gofakes3 allows any origin.
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		s.faker.ServeHTTP(w, r)
		return
	}
	if err := s.verify(r); err != nil {
		var ae *errAuth
		errors.As(err, &ae)
		s.cfg.Log.Info("s3local: refused", "method", r.Method, "path", r.URL.Path, "code", ae.code, "reason", ae.msg)
		writeError(w, http.StatusForbidden, ae.code, ae.msg)
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		w = &noChecksums{ResponseWriter: w}
	}
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.faker.ServeHTTP(rec, r)
	bucket, key, err := splitPath(r.URL.Path)
	if err != nil || rec.status >= 300 {
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPut && !q.Has("partNumber") && !q.Has("tagging") && !q.Has("acl"):
		name := "ObjectCreated:Put"
		if r.Header.Get("X-Amz-Copy-Source") != "" {
			name = "ObjectCreated:Copy"
		}
		s.created(bucket, key, name)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		s.created(bucket, key, "ObjectCreated:CompleteMultipartUpload")
	case r.Method == http.MethodDelete && !q.Has("uploadId"):
		s.enqueue(s.event("ObjectRemoved:Delete", bucket, events.S3Object{Key: key, VersionID: q.Get("versionId")}))
	}
}

func (s *Server) created(bucket, key, name string) {
	obj, err := s.backend.HeadObject(bucket, key)
	if err != nil {
		s.cfg.Log.Warn("s3local: head after put", "bucket", bucket, "key", key, "err", err.Error())
		return
	}
	if obj.Contents != nil {
		_ = obj.Contents.Close()
	}
	s.enqueue(s.event(name, bucket, events.S3Object{
		Key: key, Size: obj.Size, ETag: fmt.Sprintf("%x", obj.Hash), VersionID: string(obj.VersionID),
	}))
}

func (s *Server) event(name, bucket string, obj events.S3Object) events.S3Event {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	obj.URLDecodedKey = obj.Key
	obj.Key = EncodeKey(obj.Key)
	obj.Sequencer = fmt.Sprintf("%016X", seq)
	return events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: s.cfg.Region,
		EventTime: s.cfg.Now().UTC(), EventName: name,
		PrincipalID:       events.S3UserIdentity{PrincipalID: "AWS:" + s.cfg.AccessKey},
		RequestParameters: events.S3RequestParameters{SourceIPAddress: "127.0.0.1"},
		S3: events.S3Entity{
			SchemaVersion: "1.0", ConfigurationID: "resync-ingest",
			Bucket: events.S3Bucket{Name: bucket, Arn: "arn:aws:s3:::" + bucket},
			Object: obj,
		},
	}}}
}

func (s *Server) enqueue(ev events.S3Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.queue <- ev:
	default:
		s.cfg.Log.Warn("s3local: event queue full; event dropped", "event", ev.Records[0].EventName, "key", ev.Records[0].S3.Object.URLDecodedKey)
	}
}

// EncodeKey encodes an object key as S3 notifications do (form encoding,
// slashes kept).
func EncodeKey(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}

func splitPath(p string) (bucket, key string, err error) {
	p = strings.TrimPrefix(p, "/")
	bucket, key, ok := strings.Cut(p, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", errNoKey
	}
	return bucket, key, nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// noChecksums drops the x-amz-checksum-* headers of an answer. gofakes3
// merges an object's earlier metadata into each new version, so a version
// can carry another version's checksum, which the SDK's response
// validation then rejects; without the headers the SDK does not validate
// (S3 stores a checksum per version). TestOverwrittenVersionsReadBack.
type noChecksums struct {
	http.ResponseWriter
	wrote bool
}

func (w *noChecksums) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		for k := range w.Header() {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
				w.Header().Del(k)
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *noChecksums) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Access-Control-Allow-Origin", "*") // so a browser can read why its upload failed
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>"+code+"</Code><Message>"+xmlEscape(msg)+"</Message></Error>")
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// Client returns a real aws-sdk-go-v2 S3 client for this stand-in (after
// Start): static credentials, path-style addressing, retries off, and
// checksums computed and validated as s3.NewFromConfig's clients do.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:                     s.cfg.Region,
		BaseEndpoint:               aws.String(s.url),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.cfg.AccessKey, s.cfg.SecretKey, ""),
		Retryer:                    aws.NopRetryer{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}
