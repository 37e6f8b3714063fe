package s3audit

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/redis/audit"
)

// redisBackends runs test on miniredis and, when RESYNC_TEST_REDIS_ADDR is
// set, on the real server. flush empties Redis: FLUSHALL on miniredis; on
// the real server FLUSHDB of a database of its own, because `make test` runs
// other packages against the same server at the same time.
func redisBackends(t *testing.T, test func(t *testing.T, rdb *redis.Client, flush func())) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { rdb.Close() })
		test(t, rdb, mr.FlushAll)
	})
	t.Run("redis", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), DB: 13})
		t.Cleanup(func() {
			rdb.FlushDB(context.Background())
			rdb.Close()
		})
		test(t, rdb, func() {
			if err := rdb.FlushDB(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// A flushed Redis loses no audit record: the index is gone, the durable
// chain has every record and verifies, and writing goes on from where it was.
func TestFlushedRedisLosesNoRecord(t *testing.T) {
	redisBackends(t, func(t *testing.T, rdb *redis.Client, flush func()) {
		ctx := context.Background()
		s := startS3(t)
		tr := mustTrail(t, s, Config{Hint: audit.NewHead(rdb, "")})
		log := audit.New(rdb, audit.Config{Durable: tr, MaxLen: audit.DefaultIndexLen})
		var want []audit.Entry
		appendN := func(n int) {
			for i := range n {
				e := audit.Entry{User: fmt.Sprint("user", i%3), Action: "execute:rerun", Targets: []string{"job J" + fmt.Sprint(i)},
					Justification: "INC" + fmt.Sprint(len(want)), Ticket: "T" + fmt.Sprint(len(want)), Result: "ok"}
				got, err := log.Append(ctx, e)
				if err != nil {
					t.Fatalf("Append: %v", err)
				}
				if got.Seq != int64(len(want)+1) || got.ID == "" {
					t.Fatalf("Append: got seq %d id %q, want seq %d and an index id", got.Seq, got.ID, len(want)+1)
				}
				want = append(want, got)
			}
		}
		appendN(10)
		flush()
		page, err := log.List(ctx, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) != 0 {
			t.Fatalf("after the flush the index has %d entries, want 0", len(page.Entries))
		}
		appendN(5)

		var got []audit.Entry
		v, err := tr.Walk(ctx, "2026-12-03", func(e audit.Entry) error { got = append(got, e); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if !v.OK || v.Records != 15 || v.LastSeq != 15 {
			t.Fatalf("Verify after the flush: got %+v, want ok with 15 records", v)
		}
		for i := range want {
			w, g := want[i], got[i]
			if g.Seq != w.Seq || g.Hash != w.Hash || g.User != w.User || g.Justification != w.Justification || g.Ticket != w.Ticket || g.Targets[0] != w.Targets[0] {
				t.Errorf("record %d: got %+v, want %+v", i+1, g, w)
			}
		}
	})
}

// With the durable store down Append refuses: ErrNotRecorded, and nothing
// reaches the index either.
func TestLogFailsClosed(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	s := startS3(t)
	log := audit.New(rdb, audit.Config{Durable: mustTrail(t, s, Config{})})
	s.Close()
	if _, err := log.Append(ctx, audit.Entry{User: "alice", Action: "execute:kill"}); !errors.Is(err, audit.ErrNotRecorded) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Append with S3 down: got %v, want ErrNotRecorded and ErrUnavailable", err)
	}
	if n := rdb.XLen(ctx, audit.DefaultKey).Val(); n != 0 {
		t.Errorf("index has %d entries, want 0", n)
	}
}

// With Redis down the record is still kept: Append succeeds and says why
// the index misses it.
func TestIndexDownKeepsTheRecord(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s := startS3(t)
	tr := mustTrail(t, s, Config{Hint: audit.NewHead(rdb, "")})
	var missed []audit.Entry
	log := audit.New(rdb, audit.Config{Durable: tr, IndexFailed: func(_ context.Context, e audit.Entry, err error) { missed = append(missed, e) }})
	mr.Close()
	got, err := log.Append(ctx, audit.Entry{User: "alice", Action: "execute:kill"})
	if err != nil || got.Seq != 1 {
		t.Fatalf("Append with Redis down: got %+v, %v; want seq 1", got, err)
	}
	if len(missed) != 1 || missed[0].Seq != 1 {
		t.Errorf("IndexFailed heard %+v, want the record", missed)
	}
	if v := mustVerify(t, tr, "2026-12-03"); !v.OK || v.Records != 1 {
		t.Errorf("Verify: got %+v", v)
	}
}
