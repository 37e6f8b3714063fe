package s3local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

type recorder struct {
	mu  sync.Mutex
	evs []events.S3EventRecord
	ch  chan struct{}
}

func (r *recorder) notify(_ context.Context, ev events.S3Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev.Records...)
	r.mu.Unlock()
	r.ch <- struct{}{}
}

func (r *recorder) wait(t *testing.T) events.S3EventRecord {
	t.Helper()
	select {
	case <-r.ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no object event within 5s")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.evs[len(r.evs)-1]
}

func start(t *testing.T, now func() time.Time) (*Server, *recorder) {
	t.Helper()
	rec := &recorder{ch: make(chan struct{}, 16)}
	s, err := Start(Config{Buckets: []string{"docs"}, Notify: rec.notify, Now: now}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, rec
}

func presignPut(t *testing.T, s *Server, key, contentType string, size int64, expires time.Duration) string {
	t.Helper()
	p := s3.NewPresignClient(s.Client(), s3.WithPresignExpires(expires))
	req, err := p.PresignPutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("docs"), Key: aws.String(key), ContentType: aws.String(contentType), ContentLength: aws.Int64(size),
	})
	if err != nil {
		t.Fatal(err)
	}
	return req.URL
}

func put(t *testing.T, url, contentType string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Logf("PUT %d: %s", resp.StatusCode, b)
	}
	return resp.StatusCode
}

func TestPresignedPutAndEvents(t *testing.T) {
	s, rec := start(t, time.Now)
	body := []byte("# Runbook\n\nRerun PAYROLL_LOAD.\n")
	key := "uploads/alice/1234/run book.md"
	url := presignPut(t, s, key, "text/markdown", int64(len(body)), 15*time.Minute)
	if code := put(t, url, "text/markdown", body); code != http.StatusOK {
		t.Fatalf("presigned PUT status %d, want 200", code)
	}
	ev := rec.wait(t)
	if ev.EventName != "ObjectCreated:Put" || ev.S3.Bucket.Name != "docs" || ev.S3.Object.Key != "uploads/alice/1234/run+book.md" ||
		ev.S3.Object.Size != int64(len(body)) || ev.S3.Object.VersionID == "" || ev.S3.Object.ETag == "" {
		t.Errorf("event = %+v", ev)
	}
	// The real client reads it back (header-signed GET).
	out, err := s.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("docs"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, body) || aws.ToString(out.ContentType) != "text/markdown" {
		t.Errorf("GetObject = %q (%s), want the upload", got, aws.ToString(out.ContentType))
	}
	if _, err := s.Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("docs"), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	if ev := rec.wait(t); ev.EventName != "ObjectRemoved:Delete" || ev.S3.Object.Key != "uploads/alice/1234/run+book.md" {
		t.Errorf("delete event = %+v", ev)
	}
}

func TestPresignedConditions(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, _ := start(t, clock)
	body := []byte("0123456789")
	tests := []struct {
		name        string
		signedSize  int64
		signedType  string
		sendType    string
		send        []byte
		advance     time.Duration
		wantStatus  int
		wantInError string
	}{
		{"as signed", 10, "text/plain", "text/plain", body, 0, 200, ""},
		{"larger body", 10, "text/plain", "text/plain", append(body, 'x'), 0, 403, "SignatureDoesNotMatch"},
		{"smaller body", 10, "text/plain", "text/plain", body[:5], 0, 403, "SignatureDoesNotMatch"},
		{"other type", 10, "text/plain", "application/pdf", body, 0, 403, "SignatureDoesNotMatch"},
		{"expired", 10, "text/plain", "text/plain", body, 16 * time.Minute, 403, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			now = time.Now()
			mu.Unlock()
			url := presignPut(t, s, "uploads/bob/x/f.txt", tt.signedType, tt.signedSize, 15*time.Minute)
			mu.Lock()
			now = now.Add(tt.advance)
			mu.Unlock()
			req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(tt.send))
			req.Header.Set("Content-Type", tt.sendType)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(msg), tt.wantInError) {
				t.Errorf("PUT status %d %s, want %d containing %q", resp.StatusCode, msg, tt.wantStatus, tt.wantInError)
			}
		})
	}
}

func TestRefusesBadCredentials(t *testing.T) {
	s, _ := start(t, time.Now)
	tests := []struct {
		name   string
		client *s3.Client
		want   string
	}{
		{"wrong secret", s3.New(s3.Options{Region: s.Region(), BaseEndpoint: aws.String(s.URL()), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(DefaultAccessKey, "wrong", ""), Retryer: aws.NopRetryer{}}), "SignatureDoesNotMatch"},
		{"unknown key", s3.New(s3.Options{Region: s.Region(), BaseEndpoint: aws.String(s.URL()), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider("someone", DefaultSecretKey, ""), Retryer: aws.NopRetryer{}}), "InvalidAccessKeyId"},
		{"anonymous", s3.New(s3.Options{Region: s.Region(), BaseEndpoint: aws.String(s.URL()), UsePathStyle: true,
			Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{}}), "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("k"), Body: strings.NewReader("x")})
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tt.want {
				t.Errorf("PutObject error = %v, want %s", err, tt.want)
			}
		})
	}
	// The right client may put with the SDK's own signing (checksums, chunked encoding).
	if _, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Errorf("signed PutObject: %v", err)
	}
}

func TestCORSPreflightAndRefusal(t *testing.T) {
	s, _ := start(t, time.Now)
	req, _ := http.NewRequest(http.MethodOptions, s.URL()+"/docs/uploads/a/b/c.md", nil)
	req.Header.Set("Origin", "http://127.0.0.1:8080")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") == "" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PUT") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// A plain OPTIONS without the preflight header is still checked.
	req, _ = http.NewRequest(http.MethodOptions, s.URL()+"/docs/x", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("unsigned OPTIONS: %d, ACAO %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestMoreKeys(t *testing.T) {
	s, err := Start(Config{Buckets: []string{"docs"}, Keys: map[string]string{"AKIDDEV": "dev-secret"}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dev := s3.New(s3.Options{Region: s.Region(), BaseEndpoint: aws.String(s.URL()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDDEV", "dev-secret", ""), Retryer: aws.NopRetryer{}})
	if _, err := dev.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Errorf("PutObject with an extra key: %v", err)
	}
	if _, err := s.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("docs"), Key: aws.String("k")}); err != nil {
		t.Errorf("HeadObject with the default key: %v", err)
	}
}

// PutObject with If-None-Match: "*" (S3's conditional write) succeeds only
// when the key does not exist: of writers racing for one key exactly one
// wins, the others get 412 PreconditionFailed, as S3 answers.
func TestIfNoneMatch(t *testing.T) {
	s, _ := start(t, time.Now)
	put := func(key, body string) error {
		_, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String("docs"), Key: aws.String(key), Body: strings.NewReader(body), IfNoneMatch: aws.String("*"),
		})
		return err
	}
	if err := put("audit/1.json", "first"); err != nil {
		t.Fatalf("first conditional PUT: %v", err)
	}
	err := put("audit/1.json", "second")
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "PreconditionFailed" {
		t.Fatalf("second conditional PUT: got %v, want PreconditionFailed", err)
	}
	out, err := s.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("docs"), Key: aws.String("audit/1.json")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "first" {
		t.Errorf("after a refused PUT the object is %q, want %q", b, "first")
	}

	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() { errs[i] = put("audit/2.json", "racer") })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.As(err, &ae) || ae.ErrorCode() != "PreconditionFailed":
			t.Errorf("racer: got %v, want nil or PreconditionFailed", err)
		}
	}
	if won != 1 {
		t.Errorf("%d racers won the same key, want 1", won)
	}
}

// An overwritten key keeps its versions, and each reads back as written
// through the SDK with response checksum validation on, as the functions'
// clients (s3.NewFromConfig) have it.
func TestOverwrittenVersionsReadBack(t *testing.T) {
	s, _ := start(t, time.Now)
	ctx := context.Background()
	c := s3.New(s3.Options{
		Region: s.Region(), BaseEndpoint: aws.String(s.URL()), UsePathStyle: true, Retryer: aws.NopRetryer{},
		Credentials:                credentials.NewStaticCredentialsProvider(DefaultAccessKey, DefaultSecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("k"), Body: strings.NewReader("first"),
		ChecksumAlgorithm: "SHA256"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("k"), Body: strings.NewReader("second")}); err != nil {
		t.Fatal(err)
	}
	vs, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("docs"), Prefix: aws.String("k")})
	if err != nil || len(vs.Versions) != 2 {
		t.Fatalf("versions: %v, %v; want 2", vs, err)
	}
	got := map[string]bool{}
	for _, v := range vs.Versions {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("docs"), Key: aws.String("k"), VersionId: v.VersionId})
		if err != nil {
			t.Fatalf("get version %s: %v", aws.ToString(v.VersionId), err)
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatalf("read version %s: %v", aws.ToString(v.VersionId), err)
		}
		got[string(b)] = true
	}
	if !got["first"] || !got["second"] {
		t.Errorf("versions read back %v, want first and second", got)
	}
}
