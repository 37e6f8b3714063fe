package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/shared/edge/routes"
)

// TestS3DeliversObjectEventsToIngest checks the stack's S3 hook: an upload
// signed with the functions' local credentials lands in the documents
// bucket and its ObjectCreated event is invoked on ingest.
func TestS3DeliversObjectEventsToIngest(t *testing.T) {
	got := make(chan string, 4)
	invoke := func(_ context.Context, fn string, payload []byte) (lambdasvc.Result, error) {
		var ev events.S3Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Errorf("payload is not an S3 event: %v", err)
		}
		got <- fn + " " + ev.Records[0].EventName + " " + ev.Records[0].S3.Bucket.Name + "/" + ev.Records[0].S3.Object.URLDecodedKey
		return lambdasvc.Result{}, nil
	}
	srv, env, err := startS3(invoke, slog.New(slog.NewTextHandler(io.Discard, nil)), "us-east-1",
		[]string{"PATH=/bin", "AWS_ACCESS_KEY_ID=AKIDDEV", "AWS_SECRET_ACCESS_KEY=dev-secret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if len(env) != 3 || !strings.HasPrefix(env[0], "DOCUMENTS_BUCKET=") || !strings.HasPrefix(env[1], "AUDIT_BUCKET=") || !strings.HasPrefix(env[2], "S3_ENDPOINT=http://127.0.0.1:") {
		t.Errorf("env = %q", env)
	}
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	// The developer's own key, passed through to the functions, is accepted too.
	dev := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDDEV", "dev-secret", "")})
	if _, err := dev.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(documentsBucket)}); err != nil {
		t.Errorf("HeadBucket with the passed-through key: %v", err)
	}
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(documentsBucket), Key: aws.String("uploads/u/1/a.md"), Body: strings.NewReader("# A")}); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if want := routes.Ingest + " ObjectCreated:Put " + documentsBucket + "/uploads/u/1/a.md"; s != want {
			t.Errorf("invoked %q, want %q", s, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no invoke")
	}
}

// TestS3RetriesAFailedObjectEvent: an invoke of ingest that fails (Neo4j
// down, say) is retried after each delay, as Lambda retries an
// asynchronous invoke; one that fails every time stops after the retries.
func TestS3RetriesAFailedObjectEvent(t *testing.T) {
	for _, tt := range []struct {
		name     string
		failures int // invokes that fail before one succeeds
		want     int // invokes made
	}{
		{"succeeds at once", 0, 1},
		{"succeeds on the second retry", 2, 3},
		{"fails every time", 99, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := make(chan time.Time, 10)
			n := 0
			invoke := func(_ context.Context, fn string, payload []byte) (lambdasvc.Result, error) {
				n++
				calls <- time.Now()
				if n <= tt.failures {
					return lambdasvc.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"graph unavailable"}`)}, nil
				}
				return lambdasvc.Result{}, nil
			}
			retry := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}
			srv, _, err := startS3(invoke, slog.New(slog.NewTextHandler(io.Discard, nil)), "us-east-1", []string{"PATH=/bin"}, retry)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
			start := time.Now()
			if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(documentsBucket), Key: aws.String("uploads/u/1/a.md"), Body: strings.NewReader("# A")}); err != nil {
				t.Fatal(err)
			}
			var at []time.Duration
			for timeout := time.After(2 * time.Second); ; {
				select {
				case c := <-calls:
					at = append(at, c.Sub(start))
					continue
				case <-timeout:
				}
				break
			}
			if len(at) != tt.want {
				t.Fatalf("%d invokes at %v, want %d", len(at), at, tt.want)
			}
			// Each retry waits at least its delay after the one before.
			for i := 1; i < len(at); i++ {
				if gap := at[i] - at[i-1]; gap < retry[i-1] {
					t.Errorf("retry %d came %s after the invoke before, want at least %s", i, gap, retry[i-1])
				}
			}
		})
	}
}
