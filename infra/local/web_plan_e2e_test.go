//go:build webe2e

package main

// The dependency pictures (web/js/graph.js) and the plan timeline
// (web/js/timeline.js) in headless Chromium, against a stack of their own:
// what they draw is compared with what the HTTP API answers. Run with
// `go test -tags webe2e -run TestWebClient ./infra/local/`.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

// planAPI reads the stack's HTTP API as the browser does.
type planAPI struct {
	t     *testing.T
	base  string
	token string
}

func (a planAPI) get(path string, v any) {
	a.t.Helper()
	code, body := doJSON(a.t, "GET", a.base+path, a.token, "")
	if code != 200 {
		a.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
}

type apiJob struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Stream         string `json:"stream"`
	StreamID       string `json:"streamId"`
	Status         string `json:"status"`
	InternalStatus string `json:"internalStatus"`
	Critical       bool   `json:"critical"`
}

type apiImpact struct {
	Successors []struct {
		apiJob
		CriticalDependency bool `json:"criticalDependency"`
	} `json:"successors"`
}

type apiWhy struct {
	Waiting  bool `json:"waiting"`
	Blockers []struct {
		Root   apiJob `json:"root"`
		Reason string `json:"reason"`
	} `json:"blockers"`
}

type apiDetail struct {
	Job          apiJob `json:"job"`
	Dependencies []struct {
		JobID    string `json:"jobId"`
		Critical bool   `json:"critical"`
	} `json:"dependencies"`
	Waiting struct {
		Waiting bool `json:"waiting"`
	} `json:"waiting"`
}

type apiStream struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Workstation string `json:"workstation"`
	Status      string `json:"status"`
	Late        bool   `json:"late"`
	Stats       struct {
		Abended int `json:"abended"`
		Failed  int `json:"failed"`
	} `json:"stats"`
}

func (a planAPI) successors(id string, depth int) []string {
	var im apiImpact
	a.get("/api/v1/jobs/"+url.PathEscape(id)+"/impact?depth="+strconv.Itoa(depth), &im)
	ids := []string{}
	for _, s := range im.Successors {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	return ids
}

// TestWebClientPlanViews: the job page's dependency picture shows exactly
// the successors the impact API returns (at two depths), the predecessors
// the job's dependencies name, and the blockers why-waiting returns with
// their reason; nodes are links reached by the keyboard; a stream's picture
// holds the stream's jobs; the timeline marks exactly the late (and
// abended) streams the API returns, filters and zooms, and expands a
// stream to its jobs. Each new page passes axe-core in light and dark, fits
// 320 px, and is shot at 1400×900 and 390×844; no console error or CSP
// violation on the way; the first load carries none of it.
func TestWebClientPlanViews(t *testing.T) {
	sim := hwasim.New(hwasim.Config{Seed: 21, TimeZone: planTZ})
	hwaSrv := httptest.NewServer(sim)
	defer hwaSrv.Close()
	webDir, err := filepath.Abs("../../web")
	if err != nil {
		t.Fatal(err)
	}
	s, out := newStack(t, map[string]string{envWebDir: webDir, "HWA_URL": hwaSrv.URL, envBinDir: buildFunctions(t, "chat", "status", "health")})
	user := fmt.Sprintf("gina-%d", time.Now().UnixNano()%1e9)
	// The test reads the API as another user: the rate limit is per user.
	a := planAPI{t: t, base: s.url, token: mint(t, s, user+"-api", "viewer")}

	// The jobs to look at: one with successors two levels down and a
	// predecessor; one that waits on a blocker upstream.
	var jobs struct {
		Items []apiJob `json:"items"`
	}
	a.get("/api/v1/jobs?limit=500", &jobs)
	var rich, waiter apiJob
	var richDeps []string
	for _, j := range jobs.Items {
		if rich.ID == "" {
			var d apiDetail
			a.get("/api/v1/jobs/"+url.PathEscape(j.ID), &d)
			var deps []string
			for _, dep := range d.Dependencies {
				if dep.JobID != "" {
					deps = append(deps, dep.JobID)
				}
			}
			if len(deps) > 0 && len(a.successors(j.ID, 1)) >= 1 && len(a.successors(j.ID, 2)) > len(a.successors(j.ID, 1)) {
				rich, richDeps = j, deps
			}
		}
		if waiter.ID == "" && (j.Status == "WAITING" || j.Status == "HELD" || j.Status == "BLOCKED") {
			var w apiWhy
			a.get("/api/v1/jobs/"+url.PathEscape(j.ID)+"/why", &w)
			if w.Waiting && len(w.Blockers) > 0 {
				waiter = j
			}
		}
		if rich.ID != "" && waiter.ID != "" {
			break
		}
	}
	if rich.ID == "" || waiter.ID == "" || len(richDeps) == 0 {
		t.Fatalf("the simulator's plan has no job with predecessors and successors two levels down (%q) or no waiting job with a blocker (%q)", rich.Name, waiter.Name)
	}
	t.Logf("picture of %s (%s); blockers of %s", rich.Name, rich.ID, waiter.Name)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath(t)), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 900))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	bctx, cancelRun := context.WithTimeout(bctx, 150*time.Second)
	defer cancelRun()
	blog := &browserLog{}
	if err := chromedp.Listen(bctx, blog.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		t.Fatal(err)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v\nstack output:\n%s", what, err, tail(out.String(), 3000))
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	waitJS := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, expr, err, tail(eval(`document.body.innerText`), 3000))
		}
	}
	setVal := func(id, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event('change', {bubbles: true})); })()`, id, v))
	}
	ids := func(sel, attr string) []string {
		t.Helper()
		var v []string
		if err := json.Unmarshal([]byte(eval(`JSON.stringify(Array.from(document.querySelectorAll(`+strconv.Quote(sel)+`)).map((e) => e.getAttribute(`+strconv.Quote(attr)+`)).sort())`)), &v); err != nil {
			t.Fatal(err)
		}
		sort.Strings(v)
		return v
	}
	shots := outDir(t)
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	axeSrc, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	checkA11y := func(where string) {
		t.Helper()
		res, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(window.axe ? Promise.resolve() : Promise.resolve((0, eval)(`+strconv.Quote(string(axeSrc))+`))).then(() => axe.run(document, {resultTypes: ['violations']})).then((r) => JSON.stringify(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.impact + ' ' + v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join('; '))))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("axe-core on %s: %v", where, err)
		}
		var found []string
		if err := json.Unmarshal([]byte(res), &found); err != nil {
			t.Fatalf("axe-core on %s: %v: %s", where, err, res)
		}
		for _, v := range found {
			t.Errorf("axe-core on %s: %s", where, v)
		}
	}

	// First load: none of the new modules nor dagre.
	do("open the client", chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-user")))
	waitJS("the modules", `document.getElementById('signin-mode').textContent !== ''`)
	if got := eval(`performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /graph\.js|timeline\.js|dagre/.test(n)).join(' ')`); got != "" {
		t.Errorf("the first load fetches %s; they load on first use", got)
	}
	do("sign in", chromedp.SendKeys(chromedp.ID("signin-user"), user), setVal("signin-role", "viewer"), chromedp.Click(chromedp.ID("signin-go")))
	waitJS("signed in", `document.getElementById('whoami').textContent.startsWith(`+strconv.Quote(user)+`)`)

	// The job page's picture: exactly the impact API's successors.
	pic := `#job-graph .dg-canvas`
	do("open the job", chromedp.Navigate(s.url+"/#/jobs/"+url.PathEscape(rich.ID)))
	waitJS("the picture", `document.querySelector('`+pic+`[data-state=done] svg') !== null`)
	if got, want := ids(pic+` a.gnode[data-role=succ]`, "data-id"), a.successors(rich.ID, 2); !slices.Equal(got, want) {
		t.Errorf("depth 2: the picture's successors %v, the impact API's %v", got, want)
	}
	if got := ids(pic+` a.gnode[data-role=root]`, "data-id"); !slices.Equal(got, []string{rich.ID}) {
		t.Errorf("the picture's root %v, want %s", got, rich.ID)
	}
	preds := ids(pic+` a.gnode[data-role=pred]`, "data-id")
	for _, p := range richDeps {
		if !slices.Contains(preds, p) {
			t.Errorf("predecessor %s (a dependency of %s) is not in the picture: %v", p, rich.Name, preds)
		}
		if eval(fmt.Sprintf(`String(document.querySelector('%s path.dg-edge[data-from=%q][data-to=%q]') !== null)`, pic, p, rich.ID)) != "true" {
			t.Errorf("no edge from predecessor %s to %s", p, rich.ID)
		}
	}
	if bad := eval(`Array.from(document.querySelectorAll('` + pic + ` a.gnode')).filter((a) => a.getAttribute('href') !== '#/jobs/' + encodeURIComponent(a.dataset.id) || !a.getAttribute('aria-label')).length + ''`); bad != "0" {
		t.Errorf("%s nodes are not labelled links to their job", bad)
	}
	if lr := eval(`(() => { const r = document.querySelector('` + pic + ` a.gnode[data-role=root] rect').getBoundingClientRect(); return String(Array.from(document.querySelectorAll('` + pic + ` a.gnode[data-role=succ] rect')).every((x) => x.getBoundingClientRect().left > r.left) && Array.from(document.querySelectorAll('` + pic + ` a.gnode[data-role=pred] rect')).every((x) => x.getBoundingClientRect().right < r.right)); })()`); lr != "true" {
		t.Error("the picture is not laid out left to right (predecessors left of the job, successors right)")
	}
	t.Logf("picture: %s", eval(`document.querySelector('#job-graph .dg-status').textContent`))
	// Depth 1: the successors follow.
	do("depth 1", setVal("dg-job-depth", "1"))
	waitJS("the depth-1 picture", `document.querySelector('`+pic+`[data-state=done]') !== null && document.querySelector('#job-graph .dg-status').textContent.includes('within 1 level')`)
	if got, want := ids(pic+` a.gnode[data-role=succ]`, "data-id"), a.successors(rich.ID, 1); !slices.Equal(got, want) {
		t.Errorf("depth 1: the picture's successors %v, the impact API's %v", got, want)
	}
	// The keyboard reaches the nodes from the depth chooser; Enter opens one.
	do("focus the depth", chromedp.Focus(chromedp.ID("dg-job-depth")), chromedp.KeyEvent("\t"))
	target := eval(`document.activeElement.closest('a.gnode') ? document.activeElement.dataset.id : 'not a node: ' + document.activeElement.outerHTML.slice(0, 80)`)
	do("Enter", chromedp.KeyEvent("\r"))
	waitJS("the node's job", `location.hash === '#/jobs/' + encodeURIComponent(`+strconv.Quote(target)+`)`)
	checkA11y("the job's picture")

	// A waiting job: its blockers are marked with their reason.
	var why apiWhy
	a.get("/api/v1/jobs/"+url.PathEscape(waiter.ID)+"/why", &why)
	do("open the waiting job", chromedp.Navigate(s.url+"/#/jobs/"+url.PathEscape(waiter.ID)))
	waitJS("its picture", `document.querySelector('#job-graph .dg-canvas[data-state=done] svg') !== null && document.getElementById('job-h').textContent.endsWith(`+strconv.Quote(waiter.Name)+`)`)
	for _, b := range why.Blockers {
		got := eval(fmt.Sprintf(`(() => { const a = document.querySelector('%s a.gnode[data-id=%q]'); return a ? a.getAttribute('class') + ' | ' + a.getAttribute('aria-label') + ' | ' + a.textContent : 'absent'; })()`, pic, b.Root.ID))
		if !strings.Contains(got, "blocker") || !strings.Contains(got, b.Reason) {
			t.Errorf("blocker %s (%s) in the picture: %s", b.Root.Name, b.Reason, got)
		}
	}
	marked := ids(pic+` a.gnode.blocker`, "data-id")
	if len(marked) != len(uniqueRoots(why)) {
		t.Errorf("the picture marks %d blockers %v, why-waiting names %d", len(marked), marked, len(uniqueRoots(why)))
	}
	// The critical path: drawn heavy where the API says a dependency is critical.
	critical := 0
	for _, j := range jobs.Items[:min(len(jobs.Items), 150)] {
		var im apiImpact
		a.get("/api/v1/jobs/"+url.PathEscape(j.ID)+"/impact?depth=1", &im)
		for _, sc := range im.Successors {
			if sc.CriticalDependency {
				do("open a job on a critical path", chromedp.Navigate(s.url+"/#/jobs/"+url.PathEscape(j.ID)))
				waitJS("its picture", `document.querySelector('#job-graph .dg-canvas[data-state=done] svg') !== null && document.getElementById('job-h').textContent.endsWith(`+strconv.Quote(j.Name)+`)`)
				if eval(fmt.Sprintf(`String(document.querySelector('%s path.dg-edge.crit[data-to=%q]') !== null)`, pic, sc.ID)) != "true" {
					t.Errorf("%s → %s is a critical dependency, not drawn as the critical path", j.Name, sc.Name)
				}
				critical++
				break
			}
		}
		if critical > 0 {
			break
		}
	}
	if critical == 0 {
		t.Log("no critical dependency in this plan: the critical-path drawing is not checked")
	}

	// A stream's picture: the stream's jobs are its roots.
	var sj struct {
		Items []apiJob `json:"items"`
	}
	a.get("/api/v1/jobs?limit=200&stream="+url.QueryEscape(rich.Stream), &sj)
	var want []string
	for _, j := range sj.Items {
		if j.StreamID == rich.StreamID {
			want = append(want, j.ID)
		}
	}
	sort.Strings(want)
	do("open the stream", chromedp.Navigate(s.url+"/#/streams/"+url.PathEscape(rich.Stream)))
	waitJS("the stream's picture", `document.querySelector('#stream-graph .dg-canvas[data-state=done] svg') !== null`)
	if got := ids(`#stream-graph a.gnode[data-role=root]`, "data-id"); !slices.Equal(got, want) {
		t.Errorf("the stream's picture holds %v, the stream's jobs are %v", got, want)
	}
	// Its arrowheads are its own, not those of the job page's picture (hidden, so not drawn).
	if ok := eval(`String(Array.from(document.querySelectorAll('#stream-graph path.dg-edge')).every((p) => p.closest('svg').querySelector(p.getAttribute('marker-end').slice(4, -1)) !== null))`); ok != "true" {
		t.Error("the stream picture's edges point at markers outside it")
	}

	// The timeline marks exactly the late and abended streams the API returns.
	var streams struct {
		Items []apiStream `json:"items"`
	}
	a.get("/api/v1/jobstreams", &streams)
	late := map[string]bool{}
	abend := map[string]bool{}
	var lateIDs []string
	for _, st := range streams.Items {
		late[st.ID] = st.Late
		abend[st.ID] = st.Stats.Abended+st.Stats.Failed > 0 || st.Status == "ERROR"
		if st.Late {
			lateIDs = append(lateIDs, st.ID)
		}
	}
	sort.Strings(lateIDs)
	if len(lateIDs) == 0 {
		t.Fatal("the simulator's plan has no late stream: the timeline's late marks cannot be checked")
	}
	do("open the timeline", chromedp.Navigate(s.url+"/#/timeline"))
	waitJS("the timeline", `document.querySelectorAll('.tl-stream').length > 0`)
	rows := eval(`JSON.stringify(Array.from(document.querySelectorAll('.tl-stream')).map((r) => [r.dataset.id, r.querySelector('.mark-late') !== null, r.querySelector('.mark-abended') !== null]))`)
	var seen [][3]any
	if err := json.Unmarshal([]byte(rows), &seen); err != nil {
		t.Fatal(err)
	}
	for _, r := range seen {
		id := r[0].(string)
		if r[1].(bool) != late[id] || r[2].(bool) != abend[id] {
			t.Errorf("timeline row %s: late %v abended %v, the API says late %v abended %v", id, r[1], r[2], late[id], abend[id])
		}
	}
	if !strings.Contains(eval(`document.getElementById('tl-status').textContent`), "plan time zone "+planTZ) || eval(`String(document.querySelectorAll('.tl-stream .tl-svg .tl-now').length === document.querySelectorAll('.tl-stream').length)`) != "true" {
		t.Errorf("the timeline names no plan zone or lacks the now line: %s", eval(`document.getElementById('tl-status').textContent`))
	}
	do("late only", setVal("tl-statusf", "late"))
	waitJS("the late streams", `location.hash.includes('status=late') && document.getElementById('tl-status') && document.querySelectorAll('.tl-stream').length > 0 && Array.from(document.querySelectorAll('.tl-stream')).every((r) => r.dataset.late === 'true')`)
	if len(lateIDs) <= 25 {
		marks := eval(`String(document.querySelectorAll('.tl-stream .mark-late').length)`)
		if rows := ids(`.tl-stream`, "data-id"); !slices.Equal(rows, lateIDs) || marks != strconv.Itoa(len(lateIDs)) {
			t.Errorf("the timeline's late streams %v (%s marked), the API's %v", rows, marks, lateIDs)
		}
	}
	// Expand the first stream: its jobs, each a chip link.
	first := eval(`document.querySelector('.tl-stream').dataset.id`)
	do("expand", chromedp.Click(chromedp.CSS(`.tl-stream .tl-toggle`)))
	waitJS("its jobs", `!document.getElementById('tl-jobs-`+first+`').hidden && document.querySelectorAll('#tl-jobs-`+first+` .tl-job a.chip').length > 0`)
	// The keyboard: a stream's toggle takes the focus and Enter expands it.
	second := eval(`(() => { const b = Array.from(document.querySelectorAll('.tl-stream .tl-toggle')).find((b) => !b.disabled && b.getAttribute('aria-expanded') === 'false'); b.focus(); return b.closest('.tl-stream').dataset.id; })()`)
	do("Enter on a toggle", chromedp.KeyEvent("\r"))
	waitJS("expanded by the keyboard", `document.getElementById('tl-jobs-`+second+`').hidden === false && document.querySelector('.tl-stream[data-id="`+second+`"] .tl-toggle').getAttribute('aria-expanded') === 'true'`)
	checkA11y("the timeline")
	// The stream's times from its jobs: the first start, no end while a job
	// is open, the estimate from the open job's start plus its duration.
	got, err := chromedp.Run(bctx, chromedp.Evaluate[string](`import('/js/timeline.js').then((m) => { const now = Date.parse('2026-12-03T10:00:00Z'); const r = (o) => [o.start, o.end, o.est].map((v) => isNaN(v) ? null : new Date(v).toISOString()).join(' ');
		const done = {internalStatus: 'SUCC', lastRun: {start: '2026-12-03T08:00:00Z', end: '2026-12-03T08:30:00Z'}};
		const running = {internalStatus: 'EXEC', estimatedSeconds: 7200, lastRun: {start: '2026-12-03T09:30:00Z'}};
		const waiting = {internalStatus: 'HOLD', estimatedSeconds: 600, schedTime: '2026-12-03T12:00:00Z'};
		return [r(m.spans([done], now)), r(m.spans([done, running], now)), r(m.spans([done, waiting], now))].join(' | '); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("spans: %v", err)
	}
	if want := "2026-12-03T08:00:00.000Z 2026-12-03T08:30:00.000Z  | 2026-12-03T08:00:00.000Z  2026-12-03T11:30:00.000Z | 2026-12-03T08:00:00.000Z  2026-12-03T12:10:00.000Z"; got != want {
		t.Errorf("spans:\n got %s\nwant %s", got, want)
	}

	// Filters and zoom: a workstation's streams only; six hours around now.
	ws := streams.Items[0].Workstation
	do("workstation", setVal("tl-statusf", ""), setVal("tl-workstation", ws))
	waitJS("the workstation's streams", `location.hash.includes('workstation=') && !location.hash.includes('status=late') && document.querySelectorAll('.tl-stream').length > 0 && Array.from(document.querySelectorAll('.tl-stream')).every((r) => r.dataset.workstation === `+strconv.Quote(ws)+`)`)
	var nws int
	for _, st := range streams.Items {
		if st.Workstation == ws {
			nws++
		}
	}
	if got := eval(`String(document.querySelectorAll('.tl-stream').length)`); got != strconv.Itoa(min(nws, 25)) {
		t.Errorf("filtered on %s the timeline shows %s streams, the API has %d", ws, got, nws)
	}
	do("zoom", setVal("tl-zoom", "6h"))
	waitJS("the zoom", `location.hash.includes('zoom=6h') && document.getElementById('tl-earlier') && !document.getElementById('tl-earlier').disabled`)
	do("earlier", chromedp.Click(chromedp.ID("tl-earlier")))
	waitJS("moved earlier", `location.hash.includes('shift=-1')`)

	// Every new page: 1400×900 and 390×844 shots, 320 px without sideways
	// scrolling, axe-core in the dark, the dark theme followed by the picture.
	views := [][2]string{{"job-graph", "#/jobs/" + url.PathEscape(rich.ID)}, {"stream-graph", "#/streams/" + url.PathEscape(rich.Stream)}, {"timeline", "#/timeline"}}
	for _, v := range views {
		do("open "+v[0], chromedp.Navigate(s.url+"/"+v[1]))
		if v[0] == "timeline" {
			waitJS("the timeline", `document.querySelectorAll('.tl-stream').length > 0`)
		} else {
			waitJS(v[0], `document.querySelector('.page:not([hidden]) .dg-canvas[data-state=done] svg') !== null`)
		}
		for _, size := range [][2]int64{{1400, 900}, {390, 844}, {320, 700}} {
			do("size", chromedp.EmulateViewport(size[0], size[1]))
			time.Sleep(150 * time.Millisecond)
			if size[0] == 320 {
				if w := eval(`String(document.documentElement.scrollWidth <= document.documentElement.clientWidth)`); w != "true" {
					t.Errorf("%s at 320 px scrolls sideways: %s", v[0], eval(`document.documentElement.scrollWidth + ' > ' + document.documentElement.clientWidth`))
				}
				continue
			}
			shot(fmt.Sprintf("%s-%dx%d", v[0], size[0], size[1]))
		}
		do("wide", chromedp.EmulateViewport(1400, 900))
		if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
			t.Fatal(err)
		}
		fillSel := `.page:not([hidden]) .gnode rect`
		if v[0] == "timeline" {
			fillSel = `.tl`
		}
		prop := map[bool]string{true: "backgroundColor", false: "fill"}[v[0] == "timeline"]
		if bg := eval(`getComputedStyle(document.querySelector('` + fillSel + `')).` + prop); bg != "rgb(22, 27, 34)" {
			t.Errorf("%s in the dark: %s %s, want the dark theme's card colour", v[0], prop, bg)
		}
		checkA11y(v[0] + " (dark)")
		shot(v[0] + "-dark")
		if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{}}); err != nil {
			t.Fatal(err)
		}
	}
	checkA11y("the timeline (light)")

	// The layout library's weight, loaded on first use only.
	t.Logf("dagre on demand: %s bytes", eval(`String(Math.round(performance.getEntriesByType('resource').filter((e) => e.name.includes('dagre')).map((e) => e.encodedBodySize).pop() || 0))`))
	time.Sleep(200 * time.Millisecond)
	problems, _, _ := blog.report()
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	if csp := eval(`JSON.stringify(window.__csp)`); csp != "[]" {
		t.Errorf("CSP violations: %s", csp)
	}
}

// uniqueRoots is the distinct root causes of a why-waiting answer.
func uniqueRoots(w apiWhy) map[string]bool {
	m := map[string]bool{}
	for _, b := range w.Blockers {
		m[b.Root.ID] = true
	}
	return m
}
