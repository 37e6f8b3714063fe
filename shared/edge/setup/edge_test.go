package setup

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/edge/auth"
)

// A refused request is recorded with the peer's address, not with the
// X-Forwarded-For the client wrote: a forged header cannot put someone
// else's address in the security log.
func TestRefusalRecordsThePeerNotForwardedFor(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	sec := security.New(rdb, 0)
	r := httptest.NewRequest("GET", "/api/v1/jobs", nil)
	r.RemoteAddr = "10.1.2.3:51000"
	r.Header.Set("X-Forwarded-For", "6.6.6.6")
	recordRefusal(sec, "status", slog.New(slog.NewTextHandler(io.Discard, nil)))(context.Background(), r, auth.ErrInvalid)
	events, _, err := sec.Recent(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	got := events[security.RefusedToken]
	if len(got) != 1 || got[0].Source != "10.1.2.3" {
		t.Fatalf("recorded %+v, want one refusal from 10.1.2.3", got)
	}
}
