// Command auditverify is `resync audit verify`: it walks days of the
// durable audit trail and says, for each, whether its chain holds and where
// it breaks — the same check as GET /api/v1/admin/audit/verify, run with
// the caller's own AWS credentials (read access to the audit bucket).
//
//	auditverify -bucket <AUDIT_BUCKET> [-day 2026-12-03 | -from 2026-12-01 -to 2026-12-03] [-endpoint URL]
//
// It prints one JSON object per day (audit.Verification) and exits 0 when
// every chain holds, 1 when one breaks, 2 on a usage or S3 error.
// -endpoint (or S3_ENDPOINT) points it at the local stack's S3 stand-in.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/resync/resync/shared/adapter/s3audit"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// maxDays bounds one run.
const maxDays = 366

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("auditverify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bucket := fs.String("bucket", getenv("AUDIT_BUCKET"), "the audit bucket (default $AUDIT_BUCKET)")
	endpoint := fs.String("endpoint", getenv("S3_ENDPOINT"), "S3 endpoint, path-style (default $S3_ENDPOINT; empty: AWS)")
	day := fs.String("day", "", "one UTC day, YYYY-MM-DD (default today)")
	from := fs.String("from", "", "first day of a range")
	to := fs.String("to", "", "last day of a range")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	days, err := dayRange(*day, *from, *to, time.Now().UTC())
	if err != nil || *bucket == "" {
		if err == nil {
			err = errors.New("no bucket: pass -bucket or set AUDIT_BUCKET")
		}
		fmt.Fprintln(stderr, "auditverify:", err)
		return 2
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "auditverify: AWS config:", err)
		return 2
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if *endpoint != "" {
			o.BaseEndpoint, o.UsePathStyle = aws.String(*endpoint), true
		}
	})
	trail, err := s3audit.New(client, s3audit.Config{Bucket: *bucket})
	if err != nil {
		fmt.Fprintln(stderr, "auditverify:", err)
		return 2
	}
	enc := json.NewEncoder(stdout)
	code := 0
	for _, d := range days {
		v, err := trail.Verify(ctx, d)
		if err != nil {
			fmt.Fprintln(stderr, "auditverify:", err)
			return 2
		}
		if err := enc.Encode(v); err != nil {
			fmt.Fprintln(stderr, "auditverify:", err)
			return 2
		}
		if !v.OK {
			code = 1
		}
	}
	return code
}

// dayRange returns the days to verify: -day, or -from to -to, or today.
func dayRange(day, from, to string, now time.Time) ([]string, error) {
	if day != "" && (from != "" || to != "") {
		return nil, errors.New("pass -day or -from and -to, not both")
	}
	if day != "" {
		from, to = day, day
	}
	if from == "" && to == "" {
		from = now.Format(s3audit.DayLayout)
		to = from
	}
	f, err1 := s3audit.ParseDay(from)
	t, err2 := s3audit.ParseDay(to)
	switch {
	case err1 != nil || err2 != nil:
		return nil, errors.New("days are YYYY-MM-DD, and -from needs -to")
	case t.Before(f):
		return nil, errors.New("-from is after -to")
	case t.Sub(f) >= maxDays*24*time.Hour:
		return nil, fmt.Errorf("at most %d days at once", maxDays)
	}
	var out []string
	for d := f; !d.After(t); d = d.Add(24 * time.Hour) {
		out = append(out, d.Format(s3audit.DayLayout))
	}
	return out, nil
}
