package hwasim

import (
	"errors"
	"slices"
	"testing"

	"github.com/resync/resync/shared/adapter/hwa"
)

func oqlJobs() []hwa.JobInPlan {
	mk := func(name, folder, ws, stream, common, status, sub string, prio int32, critical bool, rcs ...int32) hwa.JobInPlan {
		j := hwa.JobInPlan{
			ID: "id-" + name, Name: name, Folder: folder, Workstation: ws, JobStreamName: stream,
			LastRunCommonStatus: common, Priority: prio,
			LastRunCompositeStatus: &hwa.JobCompositeStatus{Status: status, Substatus: sub},
			JobOptions:             &hwa.JobOptions{Critical: critical},
			SchedTime:              "2026-11-26T06:00:00Z",
		}
		for i, rc := range rcs {
			st := "SUCC"
			if rc != 0 {
				st = "ABEND"
			}
			j.JobRuns = append(j.JobRuns, hwa.JobRun{ID: name + "-r" + itoa(i), ReturnCode: rc,
				CompositeStatus: &hwa.JobCompositeStatus{Status: st}, LastInRerunChain: i == len(rcs)-1})
		}
		return j
	}
	jobs := []hwa.JobInPlan{
		mk("PAYROLL_EXTRACT1", "/FINANCE/", "AGT_LNX02", "PAYROLL_01", "SUCCESSFUL", "SUCC", "SUCC_COMPLETED", 10, false, 0),
		mk("PAYROLL_LOAD2", "/FINANCE/", "AGT_LNX02", "PAYROLL_01", "ERROR", "ABEND", "", 10, true, 12),
		mk("BILLING_SORT1", "/SALES/", "FTA_WIN01", "BILLING_01", "SUCCESSFUL", "SUCC", "SUCC_COMPLETED", 50, false, 8, 0),
		mk("BILLING_MERGE2", "/SALES/", "FTA_WIN01", "BILLING_01", "WAITING", "HOLD", "HOLD_WAITING_FOR_PREDECESSOR", 10, false),
		mk(QuoteJobName, "/", "MDM", "DWH_ETL_01", "RUNNING", "EXEC", "", 10, true, 0),
	}
	jobs[3].Dependencies = []hwa.Dependency{{DependencyType: "INTERNAL", JobStreamID: "s-billing"}}
	return jobs
}

func TestOQLSelect(t *testing.T) {
	tests := []struct {
		oql  string
		want []string // names, in order
	}{
		{"", []string{"PAYROLL_EXTRACT1", "PAYROLL_LOAD2", "BILLING_SORT1", "BILLING_MERGE2", QuoteJobName}},
		{"name = 'PAYROLL_LOAD2'", []string{"PAYROLL_LOAD2"}},
		{"NAME = 'payroll_load2'", []string{"PAYROLL_LOAD2"}}, // fields and values case-insensitive
		{"name = PAYROLL_LOAD2", []string{"PAYROLL_LOAD2"}},   // bare value
		{"name = 'O''NEIL_RECON'", []string{QuoteJobName}},    // doubled quote
		{"name LIKE '@''@'", []string{QuoteJobName}},          // a quote inside LIKE
		{"name = 'O''NEIL_RECON' OR name = 'X'", []string{QuoteJobName}},
		{"name != 'PAYROLL_LOAD2' AND folder = '/FINANCE/'", []string{"PAYROLL_EXTRACT1"}},
		{"folder IN ['/SALES/', '/']", []string{"BILLING_SORT1", "BILLING_MERGE2", QuoteJobName}},
		{"folder LIKE '/FIN@'", []string{"PAYROLL_EXTRACT1", "PAYROLL_LOAD2"}},
		{"name LIKE '@SORT@'", []string{"BILLING_SORT1"}},
		{"name LIKE '@2'", []string{"PAYROLL_LOAD2", "BILLING_MERGE2"}},
		{"name LIKE 'B@G@1'", []string{"BILLING_SORT1"}},
		{"lastRunCommonStatus = 'ERROR'", []string{"PAYROLL_LOAD2"}},
		{"lastRunCompositeStatus.status IN ['HOLD','EXEC']", []string{"BILLING_MERGE2", QuoteJobName}},
		{"lastRunCompositeStatus.substatus = 'HOLD_WAITING_FOR_PREDECESSOR'", []string{"BILLING_MERGE2"}},
		{"jobruns.compositeStatus.status = 'ABEND'", []string{"PAYROLL_LOAD2", "BILLING_SORT1"}}, // any run
		{"jobruns.returnCode > 0", []string{"PAYROLL_LOAD2", "BILLING_SORT1"}},
		{"jobruns.returnCode >= 12", []string{"PAYROLL_LOAD2"}},
		{"priority < 50", []string{"PAYROLL_EXTRACT1", "PAYROLL_LOAD2", "BILLING_MERGE2", QuoteJobName}},
		{"priority <= 50 AND priority > 10", []string{"BILLING_SORT1"}},
		{"jobOptions.critical = true", []string{"PAYROLL_LOAD2", QuoteJobName}},
		{"jobOptions.critical = 'false'", []string{"PAYROLL_EXTRACT1", "BILLING_SORT1", "BILLING_MERGE2"}},
		{"schedTime = '2026-11-26T06:00:00.000Z'", []string{"PAYROLL_EXTRACT1", "PAYROLL_LOAD2", "BILLING_SORT1", "BILLING_MERGE2", QuoteJobName}},
		{"schedTime > 2026-11-26T07:00:00Z", nil},
		{"dependencies.jobStreamId = 's-billing'", []string{"BILLING_MERGE2"}},
		// AND binds tighter than OR; parentheses override.
		{"folder = '/' OR folder = '/SALES/' AND name LIKE '@SORT@'", []string{"BILLING_SORT1", QuoteJobName}},
		{"(folder = '/' OR folder = '/SALES/') AND name LIKE '@SORT@'", []string{"BILLING_SORT1"}},
		{"((name = 'BILLING_SORT1'))", []string{"BILLING_SORT1"}},
		{"folder = '/FINANCE/' ORDER BY name ASC", []string{"PAYROLL_EXTRACT1", "PAYROLL_LOAD2"}},
		{"folder = '/FINANCE/' ORDER BY name DESC", []string{"PAYROLL_LOAD2", "PAYROLL_EXTRACT1"}},
		{"ORDER BY priority DESC, name", []string{"BILLING_SORT1", "BILLING_MERGE2", QuoteJobName, "PAYROLL_EXTRACT1", "PAYROLL_LOAD2"}},
		{"name like '@1' order by Name desc", []string{"PAYROLL_EXTRACT1", "BILLING_SORT1"}},
	}
	fs := jobFields()
	for _, tt := range tests {
		q, err := parseOQL(tt.oql)
		if err != nil {
			t.Errorf("parseOQL(%q): %v", tt.oql, err)
			continue
		}
		pred, less, err := compile(q, fs)
		if err != nil {
			t.Errorf("compile(%q): %v", tt.oql, err)
			continue
		}
		jobs := oqlJobs()
		var got []string
		var sel []hwa.JobInPlan
		for _, j := range jobs {
			if pred(&j) {
				sel = append(sel, j)
			}
		}
		if less != nil {
			sel = less(sel)
		}
		for _, j := range sel {
			got = append(got, j.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q selected %q, want %q", tt.oql, got, tt.want)
		}
	}
}

func TestOQLErrors(t *testing.T) {
	tests := []string{
		"name =",                        // missing value
		"name = 'x' AND",                // dangling AND
		"name = 'unterminated",          // open string
		"name == 'x'",                   // no such operator
		"name <> 'x'",                   // no such operator
		"name ~ 'x'",                    // illegal character
		"(name = 'x'",                   // unbalanced
		"name = 'x')",                   // unbalanced
		"key.name = 'X'",                // unknown field (as HWA answers, lab)
		"bogus = 1",                     // unknown field
		"name IN 'x'",                   // IN needs a list
		"name IN ['a' 'b']",             // missing comma
		"name IN []",                    // empty list
		"NOT name = 'x'",                // NOT is not supported
		"priority = 'high'",             // integer field
		"jobOptions.critical = 'maybe'", // boolean field
		"schedTime = 'yesterday'",       // instant field
		"priority LIKE '1@'",            // LIKE on a number
		"name > 'A'",                    // ordering on text
		"name = 'x' ORDER name",         // ORDER without BY
		"name = 'x' ORDER BY",           // no field
		"ORDER BY bogus",                // unknown sort field
		"name = 'x' name = 'y'",         // two terms without operator
		"= 'x'",                         // no field
		"1name = 'x'",                   // field must start with a letter
		"name = AND",                    // keyword as value
	}
	fs := jobFields()
	for _, oql := range tests {
		q, err := parseOQL(oql)
		if err == nil {
			_, _, err = compile(q, fs)
		}
		var oe *oqlError
		if !errors.As(err, &oe) {
			t.Errorf("%q: err = %v, want an oqlError", oql, err)
		}
	}
}

func TestLikeMatcher(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"ABC", "abc", true},
		{"ABC", "ABCD", false},
		{"@", "", true},
		{"A@", "A", true},
		{"@C", "ABC", true},
		{"A@C", "AC", true},
		{"A@B@C", "AXBYC", true},
		{"A@B@C", "AXCYB", false},
		{"@AB@AB", "AB", false}, // the last part must not overlap an earlier one
		{"@AB@AB", "ABAB", true},
	}
	for _, tt := range tests {
		if got := likeMatcher(tt.pattern)(tt.value); got != tt.want {
			t.Errorf("%q LIKE %q = %v, want %v", tt.value, tt.pattern, got, tt.want)
		}
	}
}

func TestPlanFilter(t *testing.T) {
	p := generate(Config{Seed: 1}, testNow)
	count := func(f *planFilter) int {
		n := 0
		for _, j := range p.jobs {
			if f.matchJob(j) {
				n++
			}
		}
		return n
	}
	quote := p.streams[len(fixtures)].jobs[0]
	tests := []struct {
		filter string
		want   func(j *job) bool
	}{
		{"", func(*job) bool { return true }},
		{"/@/@#/@/@.@", func(*job) bool { return true }},
		{"@#@.@", func(*job) bool { return true }},
		{"MDM#@", func(j *job) bool { return j.ws.name == "MDM" }},
		{"MDM#/", func(j *job) bool { return j.ws.name == "MDM" && j.stream.folder == "/" }}, // root folder
		{"/MDM#/", func(j *job) bool { return j.ws.name == "MDM" && j.stream.folder == "/" }},
		{"AGT@#@", func(j *job) bool { return j.ws.name[:3] == "AGT" }},
		{"@#/FINANCE/@.@", func(j *job) bool { return j.stream.folder == "/FINANCE/" }},
		{"@#/@/PAYROLL_01.@", func(j *job) bool { return j.stream.name == "PAYROLL_01" }},
		{"@#PAYROLL_01", func(j *job) bool { return j.stream.name == "PAYROLL_01" }},
		{"@#@.@LOAD@", func(j *job) bool { return contains(j.name, "LOAD") }},
		{"@#" + quote.stream.name + ".O'NEIL@", func(j *job) bool { return j == quote }},
	}
	for _, tt := range tests {
		f, err := parsePlanFilter(tt.filter, filterJob)
		if err != nil {
			t.Errorf("parsePlanFilter(%q): %v", tt.filter, err)
			continue
		}
		want := 0
		for _, j := range p.jobs {
			if tt.want(j) {
				want++
			}
		}
		if got := count(f); got != want || want == 0 {
			t.Errorf("%q matched %d jobs, want %d (> 0)", tt.filter, got, want)
		}
	}
	bad := []struct {
		filter string
		kind   filterKind
	}{
		{"MDM#A#B", filterJob},
		{"#STREAM.JOB", filterJob},
		{"MDM#S.J.K", filterJob},
		{"MDM#.JOB", filterJob},
		{"MDM#S.J", filterStream},
		{"MDM #S", filterJob},
		{"MDM#S=1", filterJob},
		{"FOLDER/MDM#S", filterJob},
		{"MDM#S", filterWorkstation},
		{"A.B", filterWorkstation},
		{"\"MDM\"#S", filterJob},
	}
	for _, tt := range bad {
		_, err := parsePlanFilter(tt.filter, tt.kind)
		var fe *filterError
		if !errors.As(err, &fe) {
			t.Errorf("parsePlanFilter(%q, %d): err = %v, want a filterError", tt.filter, tt.kind, err)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
