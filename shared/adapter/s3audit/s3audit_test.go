package s3audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/s3local"
	"github.com/resync/resync/shared/adapter/redis/audit"
)

const bucket = "resync-audit"

var day0 = time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)

func startS3(t *testing.T) *s3local.Server {
	t.Helper()
	s, err := s3local.Start(s3local.Config{Buckets: []string{bucket}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func mustTrail(t *testing.T, s *s3local.Server, cfg Config) *Trail {
	t.Helper()
	cfg.Bucket = bucket
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return day0 }
	}
	tr, err := New(s.Client(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func mustPut(t *testing.T, tr *Trail, e audit.Entry) audit.Entry {
	t.Helper()
	got, err := tr.Put(context.Background(), e)
	if err != nil {
		t.Fatalf("Put(%+v): %v", e, err)
	}
	return got
}

func mustVerify(t *testing.T, tr *Trail, day string) audit.Verification {
	t.Helper()
	v, err := tr.Verify(context.Background(), day)
	if err != nil {
		t.Fatalf("Verify(%s): %v", day, err)
	}
	return v
}

func TestPutChainsAndVerifies(t *testing.T) {
	s := startS3(t)
	tr := mustTrail(t, s, Config{})
	var prev string = Genesis("2026-12-03")
	for i := range 5 {
		got := mustPut(t, tr, audit.Entry{User: "alice", Action: "execute:rerun", Justification: fmt.Sprint("INC", i), Ticket: "INC1"})
		if want := int64(i + 1); got.Seq != want {
			t.Errorf("seq: got %d, want %d", got.Seq, want)
		}
		if want := fmt.Sprintf("audit/2026/12/03/%010d.json", i+1); got.Key != want {
			t.Errorf("key: got %q, want %q", got.Key, want)
		}
		o, err := tr.read(context.Background(), got.Key, "")
		if err != nil {
			t.Fatal(err)
		}
		if o.PrevHash != prev || o.Hash != got.Hash || o.sum() != o.Hash {
			t.Errorf("seq %d: prevHash %s (want %s), hash %s (entry %s, content %s)", got.Seq, o.PrevHash, prev, o.Hash, got.Hash, o.sum())
		}
		prev = o.Hash
	}
	v := mustVerify(t, tr, "2026-12-03")
	if !v.OK || v.Records != 5 || v.LastSeq != 5 || v.LastHash != prev {
		t.Errorf("Verify: got %+v, want ok with 5 records ending in %s", v, prev)
	}
	if v := mustVerify(t, tr, "2026-12-02"); !v.OK || v.Records != 0 {
		t.Errorf("Verify of an empty day: got %+v, want ok and empty", v)
	}
	if _, err := tr.Verify(context.Background(), "2026-13-01"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Verify(bad day): got %v, want ErrInvalid", err)
	}
}

// Writers on separate "Lambdas" (separate Trails, with and without the hint)
// never take the same seq, and the chain they make together verifies.
func TestConcurrentWritersNeverShareASeq(t *testing.T) {
	s := startS3(t)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	const writers, each = 6, 15
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		cfg := Config{}
		if w%2 == 0 {
			cfg.Hint = audit.NewHead(rdb, "")
		}
		tr := mustTrail(t, s, cfg)
		wg.Go(func() {
			for i := range each {
				e, err := tr.Put(context.Background(), audit.Entry{User: fmt.Sprint("u", w), Action: "confirm", Detail: fmt.Sprint(i)})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if other, dup := seen[e.Seq]; dup {
					errs <- fmt.Errorf("seq %d taken by %s and u%d", e.Seq, other, w)
				}
				seen[e.Seq] = fmt.Sprint("u", w)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	v := mustVerify(t, mustTrail(t, s, Config{}), "2026-12-03")
	if !v.OK || v.Records != writers*each || v.LastSeq != writers*each {
		t.Errorf("Verify: got %+v, want ok with %d records", v, writers*each)
	}
}

// The Redis hint is only a hint: flushed, or wrong, the next record still
// takes the next seq and chains to the last one.
func TestHintLostOrWrong(t *testing.T) {
	s := startS3(t)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	head := audit.NewHead(rdb, "")
	tr := mustTrail(t, s, Config{Hint: head})
	for range 3 {
		mustPut(t, tr, audit.Entry{User: "alice", Action: "confirm"})
	}
	mr.FlushAll()
	if got := mustPut(t, tr, audit.Entry{User: "alice", Action: "confirm"}); got.Seq != 4 {
		t.Errorf("after FLUSHALL: seq %d, want 4", got.Seq)
	}
	mr.Set(audit.DefaultHeadPrefix+"2026-12-03", "1") // behind
	if got := mustPut(t, tr, audit.Entry{User: "alice", Action: "confirm"}); got.Seq != 5 {
		t.Errorf("hint behind: seq %d, want 5", got.Seq)
	}
	mr.Set(audit.DefaultHeadPrefix+"2026-12-03", "99") // ahead: no such record
	if got := mustPut(t, tr, audit.Entry{User: "alice", Action: "confirm"}); got.Seq != 6 {
		t.Errorf("hint ahead: seq %d, want 6", got.Seq)
	}
	if v := mustVerify(t, tr, "2026-12-03"); !v.OK || v.Records != 6 {
		t.Errorf("Verify: got %+v, want ok with 6 records", v)
	}
}

func putRaw(t *testing.T, s *s3local.Server, key string, body []byte) {
	t.Helper()
	if _, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*s3local.Server, *Trail, []audit.Entry) {
		s := startS3(t)
		tr := mustTrail(t, s, Config{})
		var es []audit.Entry
		for i := range 5 {
			es = append(es, mustPut(t, tr, audit.Entry{User: "alice", Action: "execute:kill", Justification: fmt.Sprint("reason ", i)}))
		}
		return s, tr, es
	}
	forge := func(t *testing.T, tr *Trail, key string, edit func(*object), rehash bool) []byte {
		t.Helper()
		o, err := tr.read(ctx, key, "")
		if err != nil {
			t.Fatal(err)
		}
		edit(&o)
		if rehash {
			o.Hash = o.sum()
		}
		b, _ := json.Marshal(o)
		return b
	}
	t.Run("overwritten record", func(t *testing.T) {
		s, tr, es := setup(t)
		putRaw(t, s, es[2].Key, forge(t, tr, es[2].Key, func(o *object) { o.Justification = "nothing to see" }, true))
		v := mustVerify(t, tr, "2026-12-03")
		if v.OK || len(v.Breaks) != 1 || v.Breaks[0].Seq != 3 || !strings.HasPrefix(v.Breaks[0].Reason, "overwritten") {
			t.Fatalf("got %+v, want one break at seq 3, overwritten", v)
		}
		if b := v.Breaks[0]; b.Expected != es[2].Hash || b.Actual == es[2].Hash {
			t.Errorf("break: expected %s actual %s; want the original hash %s and another", b.Expected, b.Actual, es[2].Hash)
		}
	})
	t.Run("forged record with a wrong hash", func(t *testing.T) {
		s, tr, es := setup(t)
		b := forge(t, tr, es[4].Key, func(o *object) { o.Seq = 6; o.PrevHash = es[4].Hash; o.User = "mallory" }, false)
		putRaw(t, s, tr.Key("2026-12-03", 6), b)
		v := mustVerify(t, tr, "2026-12-03")
		if v.OK || len(v.Breaks) != 1 || v.Breaks[0].Seq != 6 || !strings.HasPrefix(v.Breaks[0].Reason, "hash mismatch") {
			t.Fatalf("got %+v, want one break at seq 6, hash mismatch", v)
		}
	})
	t.Run("forged record off the chain", func(t *testing.T) {
		s, tr, es := setup(t)
		b := forge(t, tr, es[4].Key, func(o *object) { o.Seq = 6; o.PrevHash = strings.Repeat("0", 64) }, true)
		putRaw(t, s, tr.Key("2026-12-03", 6), b)
		v := mustVerify(t, tr, "2026-12-03")
		if v.OK || len(v.Breaks) != 1 || v.Breaks[0].Seq != 6 || v.Breaks[0].Expected != es[4].Hash || v.Breaks[0].Actual != strings.Repeat("0", 64) {
			t.Fatalf("got %+v, want one break at seq 6, expected %s", v, es[4].Hash)
		}
	})
	t.Run("gap and stray object", func(t *testing.T) {
		s, tr, es := setup(t)
		b := forge(t, tr, es[4].Key, func(o *object) { o.Seq = 8 }, true)
		putRaw(t, s, tr.Key("2026-12-03", 8), b)
		putRaw(t, s, "audit/2026/12/03/notes.txt", []byte("hello"))
		v := mustVerify(t, tr, "2026-12-03")
		if v.OK || len(v.Breaks) != 2 {
			t.Fatalf("got %+v, want two breaks", v)
		}
		if b := v.Breaks[0]; b.Seq != 6 || !strings.Contains(b.Reason, "missing records 6 to 7") {
			t.Errorf("first break: %+v, want missing 6 to 7", b)
		}
		if b := v.Breaks[1]; b.Key != "audit/2026/12/03/notes.txt" {
			t.Errorf("second break: %+v, want the stray object", b)
		}
	})
	t.Run("deleted record", func(t *testing.T) {
		s, tr, es := setup(t)
		if _, err := s.Client().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(es[1].Key)}); err != nil {
			t.Fatal(err)
		}
		v := mustVerify(t, tr, "2026-12-03")
		if v.OK || len(v.Breaks) == 0 || v.Breaks[0].Seq != 2 {
			t.Fatalf("got %+v, want a break at seq 2", v)
		}
	})
}

// Put fails closed: with S3 gone it returns ErrUnavailable, not an entry.
func TestPutFailsWhenS3IsDown(t *testing.T) {
	s := startS3(t)
	tr := mustTrail(t, s, Config{})
	s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := tr.Put(ctx, audit.Entry{User: "alice", Action: "execute:kill"})
	if !errors.Is(err, ErrUnavailable) || got.Seq != 0 {
		t.Fatalf("Put with S3 down: got %+v, %v; want ErrUnavailable", got, err)
	}
}

// Each day is its own chain, from seq 1.
func TestDaysAreSeparateChains(t *testing.T) {
	s := startS3(t)
	now := day0
	tr := mustTrail(t, s, Config{Now: func() time.Time { return now }})
	mustPut(t, tr, audit.Entry{User: "a", Action: "confirm"})
	now = now.Add(24 * time.Hour)
	if got := mustPut(t, tr, audit.Entry{User: "a", Action: "confirm"}); got.Seq != 1 || !strings.HasPrefix(got.Key, "audit/2026/12/04/") {
		t.Errorf("next day: got seq %d key %s, want seq 1 under audit/2026/12/04/", got.Seq, got.Key)
	}
}

// An object that is not a record, planted at the next seq, neither stops
// the writers (every action would be refused) nor hides: Verify reports it.
func TestGarbageDoesNotStopTheTrail(t *testing.T) {
	s := startS3(t)
	tr := mustTrail(t, s, Config{})
	mustPut(t, tr, audit.Entry{User: "a", Action: "confirm"})
	putRaw(t, s, tr.Key("2026-12-03", 2), []byte("not json"))
	putRaw(t, s, "audit/2026/12/03/zzz", []byte("stray"))
	if got := mustPut(t, tr, audit.Entry{User: "a", Action: "confirm"}); got.Seq != 3 {
		t.Errorf("after garbage at seq 2: seq %d, want 3", got.Seq)
	}
	v := mustVerify(t, tr, "2026-12-03")
	if v.OK || len(v.Breaks) != 2 || v.Breaks[0].Seq != 2 || !strings.HasPrefix(v.Breaks[0].Reason, "unreadable") {
		t.Errorf("verify: %+v, want breaks at seq 2 (unreadable) and the stray object", v)
	}
}

// ackLost stores every PutObject, then answers the first as a retry would
// see it after the response was lost: the same conditional write again,
// which S3 refuses with 412 because the first one landed.
type ackLost struct {
	objects
	lost bool
}

func (a *ackLost) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	in.Body = bytes.NewReader(body)
	out, err := a.objects.PutObject(ctx, in, opts...)
	if err != nil || a.lost {
		return out, err
	}
	a.lost = true
	in.Body = bytes.NewReader(body)
	return a.objects.PutObject(ctx, in, opts...)
}

// TestLostAckWritesOnce: a Put whose write landed but whose answer was a
// 412 (the SDK retried after a lost response) takes its own record as
// written, rather than writing the entry again at the next seq.
func TestLostAckWritesOnce(t *testing.T) {
	s := startS3(t)
	tr, err := New(&ackLost{objects: s.Client()}, Config{Bucket: bucket, Now: func() time.Time { return day0 }})
	if err != nil {
		t.Fatal(err)
	}
	e, err := tr.Put(context.Background(), audit.Entry{User: "u", Action: "confirm", Detail: "once"})
	if err != nil || e.Seq != 1 {
		t.Fatalf("Put = seq %d, %v; want seq 1", e.Seq, err)
	}
	v := mustVerify(t, mustTrail(t, s, Config{}), "2026-12-03")
	if !v.OK || v.Records != 1 {
		t.Errorf("Verify = %+v, want one record", v)
	}
}
