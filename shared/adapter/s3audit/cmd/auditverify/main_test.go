package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/resync/resync/internal/s3local"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/s3audit"
)

func TestRun(t *testing.T) {
	srv, err := s3local.Start(s3local.Config{Buckets: []string{"resync-audit"}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	day := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	trail, _ := s3audit.New(srv.Client(), s3audit.Config{Bucket: "resync-audit", Now: func() time.Time { return day }})
	for range 3 {
		if _, err := trail.Put(context.Background(), audit.Entry{User: "alice", Action: "confirm"}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", s3local.DefaultAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3local.DefaultSecretKey)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	verify := func(args ...string) (int, []audit.Verification, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"-bucket", "resync-audit", "-endpoint", srv.URL()}, args...),
			func(string) string { return "" }, &out, &errb)
		var vs []audit.Verification
		dec := json.NewDecoder(&out)
		for dec.More() {
			var v audit.Verification
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			vs = append(vs, v)
		}
		return code, vs, errb.String()
	}
	if code, vs, errs := verify("-from", "2026-12-02", "-to", "2026-12-03"); code != 0 || len(vs) != 2 || vs[1].Records != 3 || !vs[1].OK {
		t.Fatalf("intact: exit %d, %+v, %s", code, vs, errs)
	}
	if _, err := srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("resync-audit"),
		Key: aws.String(trail.Key("2026-12-03", 2)), Body: strings.NewReader(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if code, vs, errs := verify("-day", "2026-12-03"); code != 1 || len(vs) != 1 || vs[0].OK || vs[0].Breaks[0].Seq != 2 {
		t.Errorf("tampered: exit %d, %+v, %s; want 1 and a break at seq 2", code, vs, errs)
	}
	if code, _, errs := verify("-day", "03/12/2026"); code != 2 || errs == "" {
		t.Errorf("bad day: exit %d, %q", code, errs)
	}
}
