package planview

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

func TestConditionNamed(t *testing.T) {
	srv := httptest.NewServer(hwasim.New(hwasim.Config{Seed: 1, Now: t0}))
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	h := hwa.PlanSource{Client: hc}
	for name, want := range map[string]bool{"DB_CONNECTIONS": true, "db_connections": true, "CONFIRM_TAPE": true,
		"WAIT_PROMPT_J1": false, "NO_SUCH_THING": false} {
		got, err := h.ConditionNamed(context.Background(), name)
		if err != nil || got != want {
			t.Errorf("ConditionNamed(%s) = %v, %v; want %v", name, got, err, want)
		}
	}
}
