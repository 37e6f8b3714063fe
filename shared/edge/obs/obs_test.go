package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl"

func TestLoggerRedacts(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, slog.LevelDebug)
	ctx := WithRequest(context.Background(), Request{ID: "req-1", Route: "GET /health/deep", User: "alice"})
	log.InfoContext(ctx, "verify failed for "+jwt,
		"authorization", "Bearer "+jwt,
		"Token", "abc",
		"hwaPassword", "hunter2",
		"header", "x "+jwt+" y",
		"err", errors.New("bad token "+jwt),
		slog.Group("req", "cookie", "session=1"),
		"count", 3,
	)
	out := buf.String()
	for _, secret := range []string{jwt, "hunter2", "session=1", `"abc"`} {
		if strings.Contains(out, secret) {
			t.Errorf("log line contains %q:\n%s", secret, out)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("log line is not JSON: %v\n%s", err, out)
	}
	want := map[string]any{"requestId": "req-1", "route": "GET /health/deep", "user": "alice", "count": 3.0, "level": "INFO"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, ok := got["timestamp"]; !ok {
		t.Errorf("no timestamp key: %s", out)
	}
	if msg, _ := got["message"].(string); msg != "verify failed for "+Redacted {
		t.Errorf("message = %q", msg)
	}
}

func TestLoggerLambdaRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, slog.LevelInfo)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-9"})
	log.DebugContext(ctx, "hidden")
	log.InfoContext(ctx, "shown")
	if got := strings.Count(buf.String(), "\n"); got != 1 {
		t.Fatalf("lines = %d, want 1 (debug filtered):\n%s", got, buf.String())
	}
	if !strings.Contains(buf.String(), `"requestId":"lambda-9"`) {
		t.Errorf("no lambda request id: %s", buf.String())
	}
}

func TestWithRequestMerges(t *testing.T) {
	ctx := WithRequest(context.Background(), Request{ID: "r", Route: "GET /x"})
	ctx = WithRequest(ctx, Request{User: "bob"})
	got, _ := RequestFrom(ctx)
	if want := (Request{ID: "r", Route: "GET /x", User: "bob"}); got != want {
		t.Errorf("RequestFrom = %+v, want %+v", got, want)
	}
}

func TestParseLevel(t *testing.T) {
	tests := map[string]slog.Level{"debug": slog.LevelDebug, "WARN": slog.LevelWarn, "": slog.LevelInfo, "nonsense": slog.LevelInfo}
	for in, want := range tests {
		if got := ParseLevel(in); got != want {
			t.Errorf("ParseLevel(%q) = %v, want %v", in, got, want)
		}
	}
}
