package hwasim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

// wall is a settable wall clock.
type wall struct {
	mu sync.Mutex
	t  time.Time
}

func (w *wall) now() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.t }
func (w *wall) add(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t = w.t.Add(d)
}

func TestClockAdminPath(t *testing.T) {
	wc := &wall{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	sim := hwasim.New(hwasim.Config{Seed: 1, Now: testNow, Wall: wc.now,
		Users: map[string]string{"ops": "pw", "viewer": "pw"}, ReadOnlyUsers: []string{"viewer"}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	call := func(user, method, body string) (int, hwasim.ClockState) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/sim/clock", strings.NewReader(body))
		req.SetBasicAuth(user, "pw")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st hwasim.ClockState
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, st
	}
	if code, st := call("viewer", "GET", ""); code != 200 || !st.Now.Equal(testNow) || !st.Frozen {
		t.Fatalf("GET = %d %+v, want frozen at %s", code, st, testNow)
	}
	wc.add(time.Hour)
	if _, st := call("viewer", "GET", ""); !st.Now.Equal(testNow) {
		t.Errorf("a frozen clock moved to %s", st.Now)
	}
	if code, _ := call("viewer", "PUT", `{"advance":"1h"}`); code != http.StatusForbidden {
		t.Errorf("read-only PUT = %d, want 403", code)
	}
	if code, st := call("ops", "PUT", `{"advance":"90m"}`); code != 200 || !st.Now.Equal(testNow.Add(90*time.Minute)) {
		t.Errorf("advance 90m = %d %+v", code, st)
	}
	if !sim.Now().Equal(testNow.Add(90 * time.Minute)) {
		t.Errorf("sim.Now = %s after the advance", sim.Now())
	}
	if code, _ := call("ops", "PUT", `{"to":"2020-01-01T00:00:00Z"}`); code != http.StatusConflict {
		t.Errorf("moving back = %d, want 409", code)
	}
	for _, bad := range []string{`{"advance":"-1h"}`, `{"speed":-2}`, `{"warp":1}`, `not json`} {
		if code, _ := call("ops", "PUT", bad); code != http.StatusBadRequest {
			t.Errorf("PUT %s = %d, want 400", bad, code)
		}
	}
	if code, st := call("ops", "PUT", `{"speed":60}`); code != 200 || st.Speed != 60 || st.Frozen {
		t.Errorf("speed 60 = %d %+v", code, st)
	}
	wc.add(2 * time.Minute) // two wall minutes at 60× are two plan hours
	want := testNow.Add(90*time.Minute + 2*time.Hour)
	if _, st := call("viewer", "GET", ""); !st.Now.Equal(want) {
		t.Errorf("running clock at %s, want %s", st.Now, want)
	}
	if code, st := call("ops", "PUT", `{"freeze":true}`); code != 200 || !st.Frozen {
		t.Errorf("freeze = %d %+v", code, st)
	}
	wc.add(time.Hour)
	if _, st := call("viewer", "GET", ""); !st.Now.Equal(want) {
		t.Errorf("frozen clock moved to %s, want %s", st.Now, want)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/sim/clock", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unauthenticated GET = %d, want 401", resp.StatusCode)
	}
}
