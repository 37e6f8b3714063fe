package hwa_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
)

// A fake HWA that serves five abended jobs two per page, linked by next.
func fakeHWA() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		page := hwa.Page[hwa.JobInPlan]{Count: 5}
		for i := offset; i < min(offset+2, 5); i++ {
			page.Results = append(page.Results, hwa.JobInPlan{
				ID: fmt.Sprintf("J%d", i), Name: fmt.Sprintf("LOAD_%d", i), LastRunCommonStatus: "ERROR",
				LastRunCompositeStatus: &hwa.JobCompositeStatus{Status: "ABEND"},
			})
		}
		if offset+2 < 5 {
			q := r.URL.Query()
			q.Set("offset", strconv.Itoa(offset+2))
			page.Next = "https://mdm.example.com:31116/twsd/api/v2/plan/job?" + q.Encode()
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page)
	}))
}

// List the abended jobs: the OQL is built from values, never by pasting
// strings, and ListJobs follows the pages to the end.
func ExampleClient_ListJobs() {
	srv := fakeHWA()
	defer srv.Close()

	c, err := hwa.New(hwa.Config{BaseURL: srv.URL, User: "twsuser", Password: "secret", PageSize: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	jobs, err := c.ListJobs(context.Background(), hwa.Query{
		OQL: hwa.And(
			hwa.Eq("lastRunCompositeStatus.status", "ABEND"),
			hwa.Like("folder", "/FINANCE/@"),
		).OrderBy("name", hwa.Asc),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, j := range jobs {
		fmt.Println(j.Name, j.Internal, j.Failed())
	}
	// Output:
	// LOAD_0 ABEND true
	// LOAD_1 ABEND true
	// LOAD_2 ABEND true
	// LOAD_3 ABEND true
	// LOAD_4 ABEND true
}

// A quote in a value is doubled; it cannot end the string.
func ExampleEq() {
	fmt.Println(hwa.Eq("name", "O'NEIL_RECON"))
	fmt.Println(hwa.Or(hwa.Eq("name", "x' OR name LIKE '@"), hwa.In("folder", "/A/", "/B/")))
	fmt.Println(hwa.Eq("name OR 1=1", "x").Err())
	// Output:
	// name = 'O''NEIL_RECON'
	// name = 'x'' OR name LIKE ''@' OR folder IN ['/A/','/B/']
	// hwa: oql: field "name OR 1=1" does not match ^[A-Za-z][A-Za-z0-9_.\-]{0,127}$: invalid OQL
}

// Errors carry a kind for errors.Is and the server's code.
func ExampleError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"code":"OQL_FILTER_SYNTAX_ERROR","message":"unknown field key.name"}`)
	}))
	defer srv.Close()
	c, _ := hwa.New(hwa.Config{BaseURL: srv.URL, APIKey: "jwt-from-the-console"})
	_, err := c.ListJobs(context.Background(), hwa.Query{OQL: hwa.Eq("key.name", "X")})
	var he *hwa.Error
	fmt.Println(errors.Is(err, hwa.ErrBadFilter), errors.As(err, &he) && he.Code == "OQL_FILTER_SYNTAX_ERROR")
	fmt.Println(err)
	// Output:
	// true true
	// hwa: list jobs page 1: bad filter or parameters (400 OQL_FILTER_SYNTAX_ERROR): unknown field key.name
}

// Actions are never retried; a justification travels as HWA's audit headers.
func ExampleClient_Rerun() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Justification-Ticket-Num"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"run-2","url":"/twsd/api/v2/plan/job/J1"}`)
	}))
	defer srv.Close()
	c, _ := hwa.New(hwa.Config{BaseURL: srv.URL, User: "twsuser", Password: "secret", Timeout: 10 * time.Second})
	rr, err := c.Rerun(context.Background(), "run-1", hwa.RerunDetails{},
		hwa.ActionOptions{Justification: hwa.Justification{Category: "INCIDENT", TicketNum: "INC-42"}})
	fmt.Println(rr.ID, err)
	// Output:
	// PUT /twsd/api/v2/plan/job/run/run-1/action/rerun application/json INC-42
	// run-2 <nil>
}
