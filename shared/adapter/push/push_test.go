package push

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/redis/go-redis/v9"
)

// fakeGateway is the @connections API: POST /@connections/{id} delivers to
// an open connection and answers 410 for a closed one.
type fakeGateway struct {
	mu     sync.Mutex
	open   map[string]bool
	got    map[string][]string
	signed bool
}

func (g *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, _ := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/@connections/"))
	body, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.signed = strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256")
	if r.Method != "POST" || !g.open[id] {
		w.Header().Set("X-Amzn-Errortype", "GoneException")
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write([]byte(`{"message":"gone"}`))
		return
	}
	g.got[id] = append(g.got[id], string(body))
}

func setup(t *testing.T) (*Registry, *Poster, *fakeGateway, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	reg := NewRegistry(rdb, nil)
	gw := &fakeGateway{open: map[string]bool{}, got: map[string][]string{}}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	return reg, NewPoster(NewClient(cfg, srv.URL), reg), gw, mr
}

func TestRegistryAndPosting(t *testing.T) {
	ctx := context.Background()
	reg, poster, gw, _ := setup(t)
	for _, c := range []Connection{{ID: "c1=", User: "alice", Roles: []string{"operator"}}, {ID: "c2=", User: "alice"}, {ID: "c3=", User: "bob"}} {
		if err := reg.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	gw.open["c1="], gw.open["c3="] = true, true // c2 closed without $disconnect

	c, err := reg.Get(ctx, "c1=")
	if err != nil || c.User != "alice" || c.Roles[0] != "operator" || c.Expires.Sub(c.Connected) != Lifetime {
		t.Fatalf("get = %+v, %v", c, err)
	}
	n, err := poster.ToUser(ctx, "alice", map[string]string{"type": "event", "kind": "job_abended"})
	if err != nil || n != 1 {
		t.Fatalf("ToUser = %d, %v; want 1 delivered", n, err)
	}
	if got := gw.got["c1="]; len(got) != 1 || got[0] != `{"kind":"job_abended","type":"event"}` {
		t.Errorf("delivered %v", got)
	}
	if !gw.signed {
		t.Error("the management API call was not SigV4-signed")
	}
	// The gone connection was forgotten.
	if _, err := reg.Get(ctx, "c2="); !errors.Is(err, ErrGone) {
		t.Errorf("c2 still recorded: %v", err)
	}
	if err := poster.Post(ctx, "c2=", "x"); !errors.Is(err, ErrGone) {
		t.Errorf("post to closed: %v, want ErrGone", err)
	}
	n, err = poster.Broadcast(ctx, map[string]string{"type": "event"})
	if err != nil || n != 2 {
		t.Errorf("broadcast = %d, %v", n, err)
	}
	if err := reg.Remove(ctx, "c3="); err != nil {
		t.Fatal(err)
	}
	if ids, _ := reg.All(ctx); len(ids) != 1 || ids[0] != "c1=" {
		t.Errorf("all after removals = %v", ids)
	}
}

func TestExpiredConnectionsAreNotListed(t *testing.T) {
	ctx := context.Background()
	reg, _, _, mr := setup(t)
	now := time.Now()
	reg.now = func() time.Time { return now }
	if err := reg.Add(ctx, Connection{ID: "old", User: "alice"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(Lifetime + time.Minute)
	mr.FastForward(Lifetime + time.Minute)
	if ids, err := reg.ForUser(ctx, "alice"); err != nil || len(ids) != 0 {
		t.Errorf("ForUser after lifetime = %v, %v", ids, err)
	}
}
