package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
)

type backend struct {
	log *Log
	mr  *miniredis.Miniredis // nil for the real server
}

func backends(t *testing.T, test func(t *testing.T, b backend)) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { rdb.Close() })
		test(t, backend{log: New(rdb, Config{}), mr: mr})
	})
	t.Run("redis", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
		key := fmt.Sprintf("test:audit:%s:%d", t.Name(), time.Now().UnixNano())
		t.Cleanup(func() {
			rdb.Del(context.Background(), key)
			rdb.Close()
		})
		test(t, backend{log: New(rdb, Config{Key: key})})
	})
}

func mustAppend(t *testing.T, l *Log, e Entry) Entry {
	t.Helper()
	got, err := l.Append(context.Background(), e)
	if err != nil {
		t.Fatalf("Append(%+v): %v", e, err)
	}
	return got
}

func mustList(t *testing.T, l *Log, f Filter) Page {
	t.Helper()
	p, err := l.List(context.Background(), f)
	if err != nil {
		t.Fatalf("List(%+v): %v", f, err)
	}
	return p
}

func ids(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

var sample = []Entry{
	{User: "alice", Action: "proposal", Targets: []string{"J1"}, Detail: "P1"},
	{User: "alice", Action: "confirm", Targets: []string{"J1"}, Justification: "INC123 rerun after fix", Result: "ok", Detail: "P1"},
	{User: "alice", Action: "execute:rerun", Targets: []string{"J1"}, Justification: "INC123 rerun after fix", Result: "ok"},
	{User: "bob", Action: "confirm", Targets: []string{"J2", "J3"}, Result: "refused: viewer role"},
	{User: "carol", Action: "execute:hold", Targets: []string{"S1"}, Justification: "maintenance", Result: "failed: HWA 409"},
}

func TestAppendAndList(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		before := time.Now().Add(-time.Second)
		var stored []Entry
		for _, e := range sample {
			stored = append(stored, mustAppend(t, b.log, e))
		}
		after := time.Now().Add(time.Second)
		p := mustList(t, b.log, Filter{})
		if len(p.Entries) != len(sample) || p.Next != "" {
			t.Fatalf("got %d entries, next %q; want %d, none", len(p.Entries), p.Next, len(sample))
		}
		for i, got := range p.Entries {
			want := stored[len(stored)-1-i] // newest first
			if !reflect.DeepEqual(got, want) {
				t.Errorf("entry %d: got %+v, want %+v", i, got, want)
			}
			if b.mr == nil && (got.Time.Before(before) || got.Time.After(after)) {
				t.Errorf("entry %d: time %v not between %v and %v", i, got.Time, before, after)
			}
		}
	})
}

func TestFilter(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		var stored []Entry
		for _, e := range sample {
			stored = append(stored, mustAppend(t, b.log, e))
		}
		tests := []struct {
			f    Filter
			want []int // indexes into stored, newest first
		}{
			{Filter{User: "alice"}, []int{2, 1, 0}},
			{Filter{Action: "confirm"}, []int{3, 1}},
			{Filter{Action: "execute:"}, []int{4, 2}},
			{Filter{Action: "execute"}, nil},
			{Filter{User: "alice", Action: "confirm"}, []int{1}},
			{Filter{User: "dave"}, nil},
			{Filter{Outcome: "ok"}, []int{2, 1}},
			{Filter{Outcome: "failed"}, []int{4}},
			{Filter{Outcome: "refused", User: "bob"}, []int{3}},
			{Filter{Outcome: "fail"}, nil}, // a whole word, not a prefix
			{Filter{Outcome: "refused"}, []int{3}},
			{Filter{Outcome: "ok", Action: "execute:"}, []int{2}},
		}
		for _, tt := range tests {
			got := mustList(t, b.log, tt.f)
			var want []string
			for _, i := range tt.want {
				want = append(want, stored[i].ID)
			}
			if g := ids(got.Entries); !slicesEqual(g, want) {
				t.Errorf("List(%+v): got %v, want %v", tt.f, g, want)
			}
		}
	})
}

func slicesEqual(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func TestPaging(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		var want []string
		for i := range 25 {
			user := "alice"
			if i%2 == 1 {
				user = "bob"
			}
			want = append([]string{mustAppend(t, b.log, Entry{User: user, Action: "confirm", Detail: fmt.Sprint(i)}).ID}, want...)
		}
		tests := []struct {
			f         Filter
			wantSizes []int
		}{
			{Filter{Limit: 10}, []int{10, 10, 5}},
			{Filter{Limit: 5, User: "alice"}, []int{5, 5, 3}},
			{Filter{Limit: 25}, []int{25, 0}}, // a full last page cannot know it is last
		}
		for _, tt := range tests {
			var got []string
			var sizes []int
			f := tt.f
			for range 10 {
				p := mustList(t, b.log, f)
				sizes = append(sizes, len(p.Entries))
				got = append(got, ids(p.Entries)...)
				if p.Next == "" {
					break
				}
				f.Cursor = p.Next
			}
			if !reflect.DeepEqual(sizes, tt.wantSizes) {
				t.Errorf("%+v: got page sizes %v, want %v", tt.f, sizes, tt.wantSizes)
			}
			var wantIDs []string
			for i, id := range want {
				if tt.f.User == "" || i%2 == 0 {
					wantIDs = append(wantIDs, id)
				}
			}
			if !reflect.DeepEqual(got, wantIDs) {
				t.Errorf("%+v: got %v, want %v", tt.f, got, wantIDs)
			}
		}
	})
}

func TestTimeRange(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		t0 := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
		var marks []time.Time // before A, between A and B, between B and C, after C
		var stored []Entry
		for i, name := range []string{"A", "B", "C"} {
			if b.mr != nil {
				marks = append(marks, t0.Add(time.Duration(i)*time.Hour))
				b.mr.SetTime(t0.Add(time.Duration(i)*time.Hour + 30*time.Minute))
			} else {
				marks = append(marks, time.Now())
				time.Sleep(5 * time.Millisecond)
			}
			stored = append(stored, mustAppend(t, b.log, Entry{User: "u", Action: name}))
			if b.mr == nil {
				time.Sleep(5 * time.Millisecond)
			}
		}
		if b.mr != nil {
			marks = append(marks, t0.Add(3*time.Hour))
		} else {
			marks = append(marks, time.Now())
		}
		tests := []struct {
			from, to time.Time
			want     []string
		}{
			{marks[1], marks[2], []string{"B"}},
			{marks[0], marks[3], []string{"C", "B", "A"}},
			{marks[1], time.Time{}, []string{"C", "B"}},
			{time.Time{}, marks[2], []string{"B", "A"}},
			{marks[3], time.Time{}, nil},
		}
		for i, tt := range tests {
			p := mustList(t, b.log, Filter{From: tt.from, To: tt.to})
			var got []string
			for _, e := range p.Entries {
				got = append(got, e.Action)
			}
			if !slicesEqual(got, tt.want) {
				t.Errorf("range %d: got %v, want %v", i, got, tt.want)
			}
		}
		if b.mr != nil && !stored[1].Time.Equal(t0.Add(90*time.Minute)) {
			t.Errorf("time of B: got %v, want %v (the server's)", stored[1].Time, t0.Add(90*time.Minute))
		}
	})
}

func TestInvalid(t *testing.T) {
	l := New(redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()}), Config{})
	ctx := context.Background()
	now := time.Now()
	if _, err := l.Append(ctx, Entry{Action: "confirm"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no user: got %v, want ErrInvalid", err)
	}
	if _, err := l.Append(ctx, Entry{User: "u"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no action: got %v, want ErrInvalid", err)
	}
	for _, f := range []Filter{{Cursor: "x"}, {Cursor: "1-2-3"}, {From: now, To: now}} {
		if _, err := l.List(ctx, f); !errors.Is(err, ErrInvalid) {
			t.Errorf("List(%+v): got %v, want ErrInvalid", f, err)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	entries := []Entry{
		{ID: "1764122400000-0", Time: time.UnixMilli(1764122400000), User: "alice", Action: "execute:rerun", Targets: []string{"J1", "J2"}, Justification: "INC1, approved", Result: "ok"},
		{ID: "1764122400001-0", Time: time.UnixMilli(1764122400001), User: "=cmd|' /C calc'!A0", Action: "confirm", Justification: "-2+3", Detail: "@SUM(1)"},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, entries); err != nil {
		t.Fatal(err)
	}
	want := "time,id,user,action,targets,justification,result,detail\n" +
		"2025-11-26T02:00:00Z,1764122400000-0,alice,execute:rerun,J1;J2,\"INC1, approved\",ok,\n" +
		"2025-11-26T02:00:00.001Z,1764122400001-0,'=cmd|' /C calc'!A0,confirm,,'-2+3,,'@SUM(1)\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestExport(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		const n = MaxLimit + 50 // more than one page
		ctx := context.Background()
		for i := range n {
			user := "alice"
			if i%10 == 0 {
				user = "bob"
			}
			if _, err := b.log.Append(ctx, Entry{User: user, Action: "confirm", Detail: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			f        Filter
			wantRows int
		}{
			{Filter{}, n},
			{Filter{User: "bob"}, n / 10},
		}
		for _, tt := range tests {
			var buf bytes.Buffer
			if err := b.log.Export(ctx, &buf, tt.f); err != nil {
				t.Fatalf("Export: %v", err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatalf("reading the export: %v", err)
			}
			if len(rows) != tt.wantRows+1 || strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") {
				t.Errorf("%+v: got %d rows (header %v), want %d and the header", tt.f, len(rows), rows[0], tt.wantRows+1)
			}
			if len(rows) > 1 && rows[1][7] != fmt.Sprint(n-1) && tt.f.User == "" {
				t.Errorf("first row: got detail %q, want the newest (%d)", rows[1][7], n-1)
			}
		}
	})
}
