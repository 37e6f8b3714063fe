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
	exp := time.Now().Add(time.Hour)
	for _, c := range []Connection{{ID: "c1=", User: "alice", Roles: []string{"operator"}, Expires: exp}, {ID: "c2=", User: "alice", Expires: exp}, {ID: "c3=", User: "bob", Expires: exp}} {
		if err := reg.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	gw.open["c1="], gw.open["c3="] = true, true // c2 closed without $disconnect

	c, err := reg.Get(ctx, "c1=")
	if err != nil || c.User != "alice" || c.Roles[0] != "operator" || !c.Expires.Equal(exp.UTC()) {
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
	if err := reg.Add(ctx, Connection{ID: "old", User: "alice", Expires: now.Add(Lifetime + time.Hour)}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(Lifetime + Grace + time.Minute)
	mr.FastForward(Lifetime + Grace + time.Minute)
	if ids, err := reg.ForUser(ctx, "alice"); err != nil || len(ids) != 0 {
		t.Errorf("ForUser after lifetime = %v, %v", ids, err)
	}
}

// The record lives until the token's exp plus Grace, not a fixed two hours,
// and pushes stop at exp.
func TestConnectionLivesAsLongAsItsToken(t *testing.T) {
	ctx := context.Background()
	reg, _, _, mr := setup(t)
	now := time.Now()
	reg.now = func() time.Time { return now }
	exp := now.Add(10 * time.Minute)
	if err := reg.Add(ctx, Connection{ID: "c1", User: "alice", Expires: exp}); err != nil {
		t.Fatal(err)
	}
	if got, want := mr.TTL("ws:conn:c1"), 10*time.Minute+Grace; got != want {
		t.Errorf("record TTL = %v, want %v", got, want)
	}
	now = exp.Add(time.Second)
	c, err := reg.Get(ctx, "c1")
	if err != nil || !c.Expired(now) {
		t.Errorf("after exp: %+v, %v; want the record, expired", c, err)
	}
	if ids, _ := reg.ForUser(ctx, "alice"); len(ids) != 0 {
		t.Errorf("pushes still reach an expired connection: %v", ids)
	}
	mr.FastForward(10*time.Minute + Grace + time.Second)
	if _, err := reg.Get(ctx, "c1"); !errors.Is(err, ErrGone) {
		t.Errorf("after exp and grace: %v, want ErrGone", err)
	}
	if err := reg.Add(ctx, Connection{ID: "c2", User: "alice", Expires: now.Add(-time.Second)}); err == nil {
		t.Error("Add recorded a connection whose token has expired")
	}
}

func TestRenew(t *testing.T) {
	ctx := context.Background()
	reg, _, _, mr := setup(t)
	now := time.Now()
	reg.now = func() time.Time { return now }
	if err := reg.Add(ctx, Connection{ID: "c1", User: "otto", Subject: "s-otto", Roles: []string{"operator"}, Expires: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute) // expired, within Grace
	exp := now.Add(time.Hour)
	c, err := reg.Renew(ctx, "c1", "otto", "s-otto", []string{"viewer"}, exp)
	if err != nil || c.Roles[0] != "viewer" || !c.Expires.Equal(exp.UTC()) || c.Expired(now) {
		t.Fatalf("renew = %+v, %v", c, err)
	}
	if got, _ := reg.Get(ctx, "c1"); got.Roles[0] != "viewer" {
		t.Errorf("stored roles = %v", got.Roles)
	}
	if ids, _ := reg.ForUser(ctx, "otto"); len(ids) != 1 {
		t.Errorf("a renewed connection gets no pushes: %v", ids)
	}
	if d := mr.TTL("ws:conn:c1"); d <= time.Hour {
		t.Errorf("TTL after renew = %v", d)
	}
	for _, tt := range []struct{ user, sub string }{{"mallory", "s-otto"}, {"otto", "s-other"}} {
		if _, err := reg.Renew(ctx, "c1", tt.user, tt.sub, []string{"admin"}, exp.Add(time.Hour)); !errors.Is(err, ErrOtherUser) {
			t.Errorf("renew as %s/%s: %v, want ErrOtherUser", tt.user, tt.sub, err)
		}
	}
	if got, _ := reg.Get(ctx, "c1"); got.Roles[0] != "viewer" || !got.Expires.Equal(exp.UTC()) {
		t.Errorf("a refused renew changed the record: %+v", got)
	}
	if err := reg.Remove(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Renew(ctx, "c1", "otto", "s-otto", nil, exp); !errors.Is(err, ErrGone) {
		t.Errorf("renew after remove: %v, want ErrGone", err)
	}
}

// User names are escaped in keys, not folded: "a/b", "a_b" and "a:b" are
// three users with three keys.
func TestUserKeysDoNotCollide(t *testing.T) {
	ctx := context.Background()
	reg, _, _, _ := setup(t)
	exp := time.Now().Add(time.Hour)
	for _, u := range []string{"a/b", "a_b", "a:b", "a%2Fb"} {
		if err := reg.Add(ctx, Connection{ID: "c-" + u, User: u, Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"a/b", "a_b", "a:b", "a%2Fb"} {
		if ids, _ := reg.ForUser(ctx, u); len(ids) != 1 || ids[0] != "c-"+u {
			t.Errorf("ForUser(%q) = %v", u, ids)
		}
	}
}
