package hwa

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestConvertJobFixture decodes a vendor-shaped JobInPlanV2 (field names and
// nesting as in openapi-v2.json, with fields Resync ignores) and converts it.
func TestConvertJobFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/job.json")
	if err != nil {
		t.Fatal(err)
	}
	var j JobInPlan
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatalf("decode: %v", err)
	}
	got := ConvertJob(j)
	want := workload.Job{
		ID:                "2f3c7a52-6a37-3f50-9f29-6d1f0c2f1a01",
		Name:              "PAYROLL_LOAD",
		Folder:            "/FINANCE/",
		Key:               "FTA_LNX01#NIGHTLY_FIN.PAYROLL_LOAD",
		WorkstationID:     "ws-1",
		Workstation:       "FTA_LNX01",
		StreamID:          "9daec769-39e0-3283-9006-2933c84d3c78",
		StreamName:        "NIGHTLY_FIN",
		Common:            workload.CommonError,
		Internal:          workload.InternalAbend,
		Critical:          true,
		Late:              true,
		DeadlinePassed:    true,
		Priority:          10,
		SchedTime:         mustTime(t, "2025-10-13T21:59:00Z"),
		Deadline:          mustTime(t, "2025-10-13T23:00:00Z"),
		Task:              workload.Task{Line: "/opt/payroll/load.sh", User: "svc_payroll", ModelID: "m-77"},
		Recovery:          workload.Recovery{Option: workload.RecoveryRerun, Job: "PAYROLL_RCV", JobWorkstation: "FTA_LNX01"},
		CriticalStart:     mustTime(t, "2025-10-13T22:45:00Z"),
		EstimatedDuration: 12*time.Minute + 30*time.Second,
		Runs: []workload.Run{
			{ID: "run-1", JobID: "2f3c7a52-6a37-3f50-9f29-6d1f0c2f1a01", Number: 4711, Common: workload.CommonError,
				Internal: workload.InternalAbend, ReturnCode: 8, Start: mustTime(t, "2025-10-13T22:00:00Z"),
				End: mustTime(t, "2025-10-13T22:01:00Z"), Elapsed: time.Minute, Estimated: 12*time.Minute + 30*time.Second,
				RerunType: workload.RerunRegular, Attempt: 1},
			{ID: "run-2", JobID: "2f3c7a52-6a37-3f50-9f29-6d1f0c2f1a01", Number: 4712, Common: workload.CommonError,
				Internal: workload.InternalAbend, ReturnCode: 12, Start: mustTime(t, "2025-10-13T22:30:00Z"),
				End: mustTime(t, "2025-10-13T22:31:05.5Z"), Elapsed: time.Minute + 5500*time.Millisecond,
				Estimated: 12*time.Minute + 30*time.Second, LastInRerunChain: true, RerunType: workload.RerunRerun, Attempt: 2},
		},
		Dependencies: []workload.Dependency{
			{ID: "d1", Type: workload.DepInternal, Status: workload.DepSatisfied, Satisfied: true, Critical: true,
				JobID: "j-0", JobName: "EXTRACT", StreamName: "NIGHTLY_FIN", Workstation: "MDM", PredecessorStatus: workload.InternalSucc},
			{ID: "d2", Type: workload.DepExternalJob, Status: workload.DepUnsatisfied, JobID: "j-9", JobName: "HR_EXPORT",
				StreamID: "s-9", StreamName: "HR_DAILY", Workstation: "AGT_WIN01", PredecessorStatus: workload.InternalExec},
			{ID: "d3", Type: workload.DepExternalJobStream, Status: workload.DepSatisfied, Satisfied: true,
				StreamID: "s-8", StreamName: "GL_CLOSE", Workstation: "MDM"},
			{ID: "d4", Type: workload.DepFile, Status: workload.DepUnsatisfied, Name: "/data/in/payroll.csv"},
			{ID: "d5", Type: workload.DepResource, Status: workload.DepSatisfied, Satisfied: true, Name: "DB_SLOTS", Quantity: 1},
			{ID: "d6", Type: workload.DepPrompt, Status: workload.DepUnsatisfied, Name: "CONFIRM_PAYROLL", Text: "Go?"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("ConvertJob:\n got %s\nwant %s", gj, wj)
	}
	last, ok := got.LastRun()
	if !ok || last.ID != "run-2" || last.ReturnCode != 12 {
		t.Errorf("LastRun = %+v, %v; want run-2 rc 12", last, ok)
	}
	if !got.Failed() || !got.AtRisk(mustTime(t, "2025-10-13T22:50:00Z")) {
		t.Errorf("Failed = %v, AtRisk = %v; want both", got.Failed(), got.AtRisk(time.Time{}))
	}
	if n := len(got.UnsatisfiedDependencies()); n != 3 {
		t.Errorf("unsatisfied dependencies = %d, want 3", n)
	}
}

func TestConvertJobFallsBackToLastRun(t *testing.T) {
	j := JobInPlan{ID: "J", JobRuns: []JobRun{
		{ID: "r1", CommonStatus: "SUCCESSFUL", CompositeStatus: &JobCompositeStatus{Status: "SUCC"},
			TimeInfo: &TimeInfo{EstimatedDuration: "PT5M", ActualStartTime: "bad", ActualEndTime: ""}},
	}}
	got := ConvertJob(j)
	if got.Common != workload.CommonSuccessful || got.Internal != workload.InternalSucc || got.EstimatedDuration != 5*time.Minute {
		t.Errorf("got common %q internal %q estimate %v", got.Common, got.Internal, got.EstimatedDuration)
	}
	if !got.Runs[0].Start.IsZero() {
		t.Errorf("an unreadable time should be zero, got %v", got.Runs[0].Start)
	}
	if got := ConvertJob(JobInPlan{}); got.Runs != nil || got.Dependencies != nil || got.Common != "" {
		t.Errorf("empty job converts to %+v", got)
	}
}

func TestDependencyFileForms(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"dependencyType":"FILE","file":{"name":"/a/b","workstation":"W"}}`, "/a/b"},
		{`{"dependencyType":"FILE","file":"/c/d"}`, "/c/d"},
		{`{"dependencyType":"FILE","file":null}`, ""},
		{`{"dependencyType":"FILE"}`, ""},
	}
	for _, tt := range tests {
		var d Dependency
		if err := json.Unmarshal([]byte(tt.in), &d); err != nil {
			t.Errorf("decode %s: %v", tt.in, err)
			continue
		}
		if d.File != tt.want || d.DependencyType != "FILE" {
			t.Errorf("decode %s: file %q, want %q", tt.in, d.File, tt.want)
		}
	}
	if err := json.Unmarshal([]byte(`{"file":7}`), new(Dependency)); err == nil {
		t.Error("a numeric file decoded without error")
	}
	// Encoding writes the vendor's object form and round-trips.
	b, err := json.Marshal(Dependency{DependencyType: "FILE", ID: "d", File: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if f, ok := m["file"].(map[string]any); !ok || f["name"] != "/x" || m["id"] != "d" {
		t.Errorf("encoded %s, want file as {\"name\":\"/x\"}", b)
	}
	var back Dependency
	if err := json.Unmarshal(b, &back); err != nil || back.File != "/x" || back.ID != "d" {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	b, _ = json.Marshal(Dependency{DependencyType: "INTERNAL"})
	if string(b) != `{"dependencyType":"INTERNAL","satisfied":false}` {
		t.Errorf("no file: encoded %s", b)
	}
}

func TestConvertJobStreamWorkstationNode(t *testing.T) {
	s := ConvertJobStream(JobStreamInPlan{
		ID: "S", Name: "NIGHTLY", Folder: "/F/", Key: "MDM#NIGHTLY", WorkstationID: "w", Workstation: "MDM",
		CommonStatus: "ERROR", CompositeStatus: &JobStreamCompositeStatus{Status: "STUCK", Substatus: "WAITING_FOR_RESOURCE"},
		JSStatusFlags: &JobStreamStatusFlags{LateJobStream: true}, Priority: 10, SchedTime: "2025-10-13T20:00:00Z",
		TimeRestrictions: &TimeRestrictions{DeadlineTime: "2025-10-14T06:00:00Z"},
		JobStreamStats: &JobStreamStats{NumberOfJob: 7, NumberOfSuccessfullJob: 3, NumberOfExecutingJob: 1, NumberOfAbendedJob: 1,
			NumberOfFailedJob: 1, NumberOfNotRunningJob: 1, NumberOfUndecidedJob: 0},
		Dependencies: []Dependency{{DependencyType: "EXTERNAL_JOBSTREAM", JobStreamID: "S0", JobStreamName: "PRE", DependencyStatus: "SATISFIED"}},
	})
	wantS := workload.JobStream{
		ID: "S", Name: "NIGHTLY", Folder: "/F/", Key: "MDM#NIGHTLY", WorkstationID: "w", Workstation: "MDM",
		Common: workload.CommonError, Internal: workload.StreamStuck, Sub: workload.StreamSubWaitingForResource, Late: true,
		Priority: 10, SchedTime: mustTime(t, "2025-10-13T20:00:00Z"), Deadline: mustTime(t, "2025-10-14T06:00:00Z"),
		Stats: workload.StreamStats{Jobs: 7, Successful: 3, Executing: 1, Abended: 1, Failed: 1, NotRunning: 1},
		Dependencies: []workload.Dependency{{Type: workload.DepExternalJobStream, Status: workload.DepSatisfied, Satisfied: true,
			StreamID: "S0", StreamName: "PRE"}},
	}
	if !reflect.DeepEqual(s, wantS) {
		t.Errorf("ConvertJobStream:\n got %+v\nwant %+v", s, wantS)
	}
	if !s.Failed() {
		t.Error("a STUCK stream should be Failed")
	}

	w := ConvertWorkstation(WorkstationInPlan{ID: "W", Name: "FTA1", Folder: "/", Type: "FTA", OS: "UNIX", DomainName: "MASTERDM",
		ActiveStates: []string{"LINKED", "JOBMAN_UP"}, Limit: 10, Fence: 0, Ignore: true, NodeName: "fta1.example", Version: "10.2.5", TimeZone: "UTC"})
	wantW := workload.Workstation{ID: "W", Name: "FTA1", Folder: "/", Type: workload.WSFTA, OS: "UNIX", Domain: "MASTERDM",
		States: []workload.WorkstationState{workload.StateLinked, workload.StateJobmanUp}, Limit: 10, Ignore: true,
		NodeName: "fta1.example", Version: "10.2.5", TimeZone: "UTC"}
	if !reflect.DeepEqual(w, wantW) {
		t.Errorf("ConvertWorkstation:\n got %+v\nwant %+v", w, wantW)
	}

	n := ConvertNode(FlowNode{ID: "N", Name: "NIGHTLY", FlowNodeType: "JOBSTREAM", Folder: "/F/", WorkstationID: "w", Workstation: "MDM",
		SchedTime: "2025-10-13T20:00:00Z", Priority: 5, Dependencies: []Dependency{{DependencyType: "INTERNAL", Satisfied: true}}})
	wantN := workload.FlowNode{Kind: workload.NodeJobStream, ID: "N", Name: "NIGHTLY", Folder: "/F/", WorkstationID: "w", Workstation: "MDM",
		SchedTime: mustTime(t, "2025-10-13T20:00:00Z"), Priority: 5,
		Dependencies: []workload.Dependency{{Type: workload.DepInternal, Satisfied: true}}}
	if !reflect.DeepEqual(n, wantN) {
		t.Errorf("ConvertNode:\n got %+v\nwant %+v", n, wantN)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC, "" for zero
	}{
		{"", ""},
		{"2025-10-13T21:59:00Z", "2025-10-13T21:59:00Z"},
		{"2025-10-13T21:59:00.123Z", "2025-10-13T21:59:00.123Z"},
		{"2025-10-13T23:59:00+02:00", "2025-10-13T21:59:00Z"},
		{"2025-10-13T23:59:00.000+0200", "2025-10-13T21:59:00Z"},
		{"2025-10-13T21:59:00", "2025-10-13T21:59:00Z"},
		{"yesterday", ""},
	}
	for _, tt := range tests {
		got := ParseTime(tt.in)
		s := ""
		if !got.IsZero() {
			s = got.Format(time.RFC3339Nano)
		}
		if s != tt.want {
			t.Errorf("ParseTime(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}
