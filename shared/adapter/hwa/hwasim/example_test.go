package hwasim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

// A simulator over a seeded plan, queried with OQL, then moved along.
func ExampleNew() {
	sim := hwasim.New(hwasim.Config{Seed: 1, Now: time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	count := func(oql string) int64 {
		resp, err := http.Get(srv.URL + "/twsd/api/v2/plan/job?limit=1&oql=" + url.QueryEscape(oql))
		if err != nil {
			return -1
		}
		defer resp.Body.Close()
		var p hwa.Page[hwa.JobInPlan]
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			return -1
		}
		return p.Count
	}
	fmt.Println("jobs:", count(""))
	fmt.Println("quote job:", count("name = 'O''NEIL_RECON'"))
	fmt.Println("waiting for a prompt:", count("lastRunCompositeStatus.substatus = 'HOLD_WAITING_FOR_PROMPT'"))
	before := count("lastRunCommonStatus = 'SUCCESSFUL'")
	sim.Advance(4 * time.Hour)
	fmt.Println("more successful jobs 4 h later:", count("lastRunCommonStatus = 'SUCCESSFUL'") > before)
	// Output:
	// jobs: 452
	// quote job: 1
	// waiting for a prompt: 2
	// more successful jobs 4 h later: true
}
