//go:build webe2e

package main

// The browser client (web/) end to end in headless Chromium, against a stack
// started for the test with the real chat, status, admin and health
// binaries, the offline model and a simulator the test reads. It needs
// Debian's chromium (scripts/test.d/50-web-e2e.sh installs it) and runs with
// `go test -tags webe2e -run TestWebClient ./infra/local/`.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/webhook/webhooktest"
	"github.com/resync/resync/shared/domain/alert"
	sharedconfig "github.com/resync/resync/shared/edge/config"
)

// browserLog collects what the page must not produce (console errors,
// exceptions, CSP violations) and the bytes of the first load.
type browserLog struct {
	mu       sync.Mutex
	problems []string
	bytes    float64
	requests int
	counting bool
	pings    int // ping frames the page sent
	pongs    int
}

func (b *browserLog) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, "console."+string(e.Type)+": "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("exception: %s (%s:%d)", msg, d.URL, d.LineNumber))
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || strings.Contains(strings.ToLower(e.Entry.Text), "content security policy") {
			b.problems = append(b.problems, fmt.Sprintf("log %s/%s: %s %s", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL))
		}
	case *network.EventWebSocketFrameSent:
		if e.Response != nil && strings.Contains(string(e.Response.PayloadData), `"action":"ping"`) {
			b.pings++
		}
	case *network.EventWebSocketFrameReceived:
		if e.Response != nil && strings.Contains(string(e.Response.PayloadData), `"type":"pong"`) {
			b.pongs++
		}
	case *network.EventLoadingFinished:
		if b.counting {
			b.bytes += e.EncodedDataLength
			b.requests++
		}
	}
}

func (b *browserLog) report() ([]string, float64, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...), b.bytes, b.requests
}

// cspProbe records securitypolicyviolation events; DevTools injects it, so
// the page's own CSP does not apply to it.
const cspProbe = `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));`

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("no chromium: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM")
	return ""
}

func outDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("WEB_E2E_OUT")
	if dir == "" {
		dir = "../../test-output/screenshots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// TestWebClient signs in as an operator, asks which jobs abended, proposes
// and confirms a rerun, reads the job's new run, watches the dashboard take
// a pushed event, opens documents and review, and checks a viewer gets no
// confirm button — with no console error or CSP violation on the way.
func TestWebClient(t *testing.T) {
	start := time.Now()
	// The engine's zone is not the browser's (UTC here): times on screen
	// must carry the plan's.
	sim := hwasim.New(hwasim.Config{Seed: 21, TimeZone: planTZ})
	hwaSrv := httptest.NewServer(sim)
	defer hwaSrv.Close()
	webDir, err := filepath.Abs("../../web")
	if err != nil {
		t.Fatal(err)
	}
	// With the test Neo4j (make test has it), documents, runbook answers and
	// the review queue work too; without it those parts are skipped.
	neo := testenv.Neo4jConfig{URI: os.Getenv(testenv.EnvNeo4jURI), User: os.Getenv(testenv.EnvNeo4jUser), Password: os.Getenv(testenv.EnvNeo4jPassword)}
	if neo.URI == "" && testenv.Required() {
		t.Fatalf("%s is not set", testenv.EnvNeo4jURI)
	}
	// A Slack channel that refuses every alert at first: the abend the
	// dashboard step provokes becomes a dead letter the admin replays.
	night := webhooktest.NewReceiver(t, alert.Slack)
	night.FailAlways(true)
	rules := filepath.Join(t.TempDir(), "channels.json")
	if err := os.WriteFile(rules, []byte(`{"channels": [{"id": "night-slack", "kind": "slack", "rules": [{"kinds": ["job_abended"]}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		envWebDir:         webDir,
		"HWA_URL":         hwaSrv.URL,
		"ALERTS_WEBHOOKS": `{"night-slack": "` + night.URL + `"}`, "ALERTS_RULES": rules, envPassEnv: "ALERTS_WEBHOOKS,ALERTS_RULES",
	}
	fns := []string{"chat", "status", "admin", "health", "mcp"}
	if neo.URI != "" {
		fns = append(fns, "ingest")
		env[sharedconfig.EnvNeo4jURI], env[sharedconfig.EnvNeo4jUser], env[sharedconfig.EnvNeo4jPassword] = neo.URI, neo.User, neo.Password
	} else {
		t.Logf("no %s: the documents, runbook and review-queue steps are skipped", testenv.EnvNeo4jURI)
	}
	env[envBinDir] = buildFunctions(t, fns...)
	s, out := newStack(t, env)
	// Users of this run only, so what memory keeps in the shared graph is
	// this run's and is removed at the end.
	run := fmt.Sprint(time.Now().UnixNano() % 1e9)
	operatorUser, viewerUser, adminUser := "otto-"+run, "vera-"+run, "ada-"+run
	if neo.URI != "" {
		t.Cleanup(func() { cleanGraph(t, neo, []string{operatorUser, viewerUser, adminUser}, "web-e2e-"+run+".md") })
	}
	t.Logf("stack up in %s", time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	hc, err := hwa.New(hwa.Config{BaseURL: hwaSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	abended, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "ABEND")})
	if err != nil || len(abended) < 3 {
		t.Fatalf("simulator abended jobs: %d, %v", len(abended), err)
	}
	shots := outDir(t)

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	bctx, cancelRun := context.WithTimeout(bctx, 200*time.Second)
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
	// setVal sets a form field as a user's choice would, with the events.
	setVal := func(id, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()`, id, v))
	}
	waitJS := func(what, expr string, d time.Duration) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(d))); err != nil {
			t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, expr, err, tail(eval(`document.body.innerText`), 3000))
		}
	}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(shots, name+".png")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s (%d bytes)", p, len(b))
	}
	// axe-core (infra/local/testdata/axe, pinned by scripts/vendor-axe.sh)
	// is injected through DevTools, so the page's CSP does not apply to it
	// and the client never ships it. Serious and critical violations fail.
	axeSrc, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	axeRuns := 0
	injectAxe := func() {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](`window.axe ? undefined : (0, eval)(`+strconv.Quote(string(axeSrc))+`)`)); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	checkA11y := func(where string) {
		t.Helper()
		injectAxe()
		if axeRuns == 0 {
			// The detector works: grey on white and an unlabeled field are found.
			probe, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(() => { const d = document.createElement('div'); d.innerHTML = '<p>probe</p><input type=text>'; d.firstChild.style.color = '#ddd'; document.body.append(d); return axe.run(d, {resultTypes: ['violations']}).then((r) => { d.remove(); return r.violations.map((v) => v.id + ':' + v.impact).sort().join(' '); }); })()`, chromedp.EvalAwaitPromise))
			if err != nil || !strings.Contains(probe, "color-contrast:serious") || !strings.Contains(probe, "label:critical") {
				t.Errorf("axe-core probe: %q %v, want color-contrast:serious and label:critical", probe, err)
			}
		}
		res, err := chromedp.Run(bctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then((r) => JSON.stringify(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.impact + ' ' + v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 4).map((n) => n.target.join(' ') + (n.failureSummary ? ' [' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 160) + ']' : '')).join('; '))))`, chromedp.EvalAwaitPromise))
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
		axeRuns++
	}
	signIn := func(user, role string) {
		t.Helper()
		do("sign in as "+role,
			chromedp.WaitVisible(chromedp.ID("signin-user")),
			setVal("signin-user", ""),
			chromedp.SendKeys(chromedp.ID("signin-user"), user),
			setVal("signin-role", role),
			chromedp.Click(chromedp.ID("signin-go")),
		)
		waitJS("the WebSocket", fmt.Sprintf(`document.getElementById('whoami').textContent.startsWith(%q) && document.getElementById('conn').dataset.state === 'open'`, user+" ("+role+")"), 15*time.Second)
		do("open chat", chromedp.Navigate(s.url+"/#/chat"), chromedp.WaitVisible(chromedp.ID("question")))
	}

	// First load: the sign-in page with every module; its weight.
	blog.mu.Lock()
	blog.counting = true
	blog.mu.Unlock()
	do("open the client", chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-user")))
	waitJS("the modules", `document.getElementById('signin-mode').textContent !== ''`, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	blog.mu.Lock()
	blog.counting = false
	blog.mu.Unlock()
	_, weight, nreq := blog.report()
	t.Logf("page weight: %.0f bytes transferred in %d requests on first load", weight, nreq)
	fmt.Printf("web e2e: page weight %.0f bytes (%.1f KiB) in %d requests on first load\n", weight, weight/1024, nreq)
	if weight <= 0 || weight > 300<<10 {
		t.Errorf("page weight %.0f bytes, want 0 < weight <= 300 KiB", weight)
	}

	// Operator: ask which jobs abended (typed and sent with Enter).
	signIn(operatorUser, "operator")
	do("ask", chromedp.WaitVisible(chromedp.ID("question")), chromedp.SendKeys(chromedp.ID("question"), "which jobs abended?\r"))
	waitJS("tool activity", `document.querySelector('#messages article .tools li') !== null`, 30*time.Second)
	waitJS("the answer", `document.querySelector('#messages article.done') !== null`, 40*time.Second)
	answer := eval(`document.querySelector('#messages article.done .answer').innerText`)
	for _, j := range abended {
		if !strings.Contains(answer, j.Name) {
			t.Errorf("the answer misses abended job %s:\n%s", j.Name, answer)
		}
	}
	if n := eval(`String(document.querySelectorAll('#messages article.done .answer li').length)`); n == "0" {
		t.Errorf("the answer is not rendered as a Markdown list:\n%s", eval(`document.querySelector('#messages article.done .answer').innerHTML`))
	}
	if live := eval(`document.getElementById('live').textContent`); !strings.Contains(live, abended[0].Name) {
		t.Errorf("the live region does not carry the answer: %q", live)
	}
	cites := eval(`Array.from(document.querySelectorAll('#messages article.done .cites a')).map(a => a.getAttribute('href')).join(' ')`)
	t.Logf("citations: %s", cites)
	if !strings.Contains(cites, "#/jobs/") {
		t.Errorf("no citation opens a job: %q", cites)
	}
	// Jobs are chips (name, status colour, link, id on hover), not ids.
	chips := eval(`JSON.stringify(Array.from(document.querySelectorAll('#messages article.done .answer a.chip')).map(a => [a.querySelector('.name').textContent, a.getAttribute('href'), a.title]))`)
	for _, j := range abended {
		if !strings.Contains(chips, `"#/jobs/`+j.ID+`","id `+j.ID+`"`) {
			t.Errorf("no chip links abended job %s (%s): %s", j.Name, j.ID, chips)
		}
		if strings.Contains(answer, j.ID) {
			t.Errorf("the answer still shows the id %s of %s:\n%s", j.ID, j.Name, answer)
		}
	}
	waitJS("the chips' status colours", `Array.from(document.querySelectorAll('#messages article.done .answer a.chip')).every(a => a.dataset.status)`, 15*time.Second)
	if st := eval(`Array.from(new Set(Array.from(document.querySelectorAll('#messages article.done .answer a.chip')).map(a => a.dataset.status))).join(' ')`); st != "ABEND" {
		t.Errorf("abended jobs' chips carry statuses %q, want ABEND", st)
	}
	checkZone(t, eval, "#header", `#planzone`, true)
	checkA11y("chat")
	shot("chat")

	// The renderer sanitises: script, event handlers and javascript: URLs go.
	// Parsing the hostile markup makes Chromium report the inline handler
	// it blocks (script-src-attr, from inside DOMPurify's parse): the CSP
	// doing its part. Those reports are this probe's and counted apart.
	probeFrom, _, _ := blog.report()
	dirty := `<img src=x onerror=alert(1)><script>alert(2)</script>\n\n[x](javascript:alert(3)) <a href="/api/v1/jobs/J1">job</a> **bold**`
	clean, err := chromedp.Run(bctx, chromedp.Evaluate[string](fmt.Sprintf(`import('/js/markdown.js').then((m) => m.render(%q))`, dirty), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	for _, bad := range []string{"onerror", "<script", "javascript:", "<img"} {
		if strings.Contains(clean, bad) {
			t.Errorf("rendered %q keeps %q: %s", dirty, bad, clean)
		}
	}
	if !strings.Contains(clean, "<strong>bold</strong>") || !strings.Contains(clean, `href="#/jobs/J1"`) {
		t.Errorf("rendered %q: %s", dirty, clean)
	}
	time.Sleep(200 * time.Millisecond)
	blog.mu.Lock()
	for _, p := range blog.problems[len(probeFrom):] {
		if !strings.Contains(p, "inline event handler") {
			t.Errorf("sanitiser probe: %s", p)
		}
	}
	t.Logf("sanitiser probe: %d blocked inline handler report(s)", len(blog.problems)-len(probeFrom))
	blog.problems = blog.problems[:len(probeFrom)]
	blog.mu.Unlock()
	csp, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`JSON.stringify(window.__csp.filter((v) => v.startsWith('script-src-attr')))`))
	do("forget the probe's reports", chromedp.Evaluate[chromedp.Void](`window.__csp = window.__csp.filter((v) => !v.startsWith('script-src-attr'))`))
	t.Logf("sanitiser probe: securitypolicyviolation %s", csp)

	// 320 px wide: nothing scrolls sideways.
	do("narrow", chromedp.EmulateViewport(320, 700))
	if w := eval(`document.documentElement.scrollWidth + ' ' + document.documentElement.clientWidth`); w != "305 305" && w != "320 320" {
		t.Errorf("at 320 px the page's scroll width and viewport width are %s", w)
	}
	shot("chat-320")
	do("wide", chromedp.EmulateViewport(1280, 900))

	// The connection drops: the client reconnects with backoff and the
	// conversation goes on (same conversationId; the history is the server's).
	second := eval(`document.querySelectorAll('#messages article.done .answer li')[1].querySelector('a.chip .name').textContent`)
	secondName := second[strings.LastIndex(second, ".")+1:]
	do("watch the connection", chromedp.Evaluate[chromedp.Void](`window.__states = []; new MutationObserver(() => window.__states.push(document.getElementById('conn').dataset.state)).observe(document.getElementById('conn'), {attributes: true})`))
	dropSockets(t, bctx)
	waitJS("the reconnect", `window.__states.includes('reconnecting') && document.getElementById('conn').dataset.state === 'open'`, 20*time.Second)
	do("ask a follow-up", chromedp.SendKeys(chromedp.ID("question"), "tell me more about the second one\r"))
	waitJS("the follow-up answer", `document.querySelectorAll('#messages article.done').length === 2`, 40*time.Second)
	if a := eval(`Array.from(document.querySelectorAll('#messages article.done')).pop().innerText`); !strings.Contains(a, secondName) {
		t.Errorf("after the reconnect, 'the second one' is not %s (from %q):\n%s", secondName, second, a)
	}

	// Propose a rerun with the operator agent; confirm with a justification.
	victim := abended[0]
	before, err := hc.Job(ctx, victim.ID)
	if err != nil {
		t.Fatal(err)
	}
	runsBefore := before.Runs
	do("ask for a rerun",
		setVal("agent", "operator"),
		chromedp.SendKeys(chromedp.ID("question"), "rerun "+victim.Name+"\r"),
	)
	waitJS("the proposal dialog", `document.getElementById('proposal').open`, 40*time.Second)
	dlg := eval(`document.getElementById('proposal').innerText`)
	if !strings.Contains(dlg, victim.Name) || !strings.Contains(dlg, "Rerun") || !strings.Contains(dlg, "Impact") {
		t.Errorf("the dialog does not show the target and impact:\n%s", dlg)
	}
	if eval(`String(document.getElementById('proposal-ok').disabled)`) != "true" {
		t.Error("confirm is enabled without a justification")
	}
	shot("proposal")
	do("confirm",
		chromedp.SendKeys(chromedp.ID("justification"), "Supplier re-sent the file (INC-4711)"),
		setVal("category", "incident"),
		chromedp.SendKeys(chromedp.ID("ticket"), "INC-4711"),
		chromedp.Click(chromedp.ID("proposal-ok")),
	)
	waitJS("the outcome", `document.querySelector('#messages .outcome') !== null`, 40*time.Second)
	outcome := eval(`document.querySelector('#messages .outcome').innerText`)
	if !strings.HasPrefix(outcome, "Done") {
		t.Errorf("outcome: %q", outcome)
	}
	if eval(`String(document.getElementById('proposal').open)`) != "false" {
		t.Error("the dialog stays open after the outcome")
	}
	var reruns int
	for _, a := range sim.Actions() {
		if a.Verb == "rerun" && a.Headers.Get("Justification-Description") == "Supplier re-sent the file (INC-4711)" {
			reruns++
		}
	}
	if reruns != 1 {
		t.Fatalf("reruns with the justification in the simulator: %d, want 1", reruns)
	}

	// The job's detail view shows the new run.
	if n := eval(`String(document.querySelectorAll('#messages .outcome').length)`); n != "1" {
		t.Errorf("%s outcomes shown, want 1", n)
		os.WriteFile(filepath.Join(shots, "stack.log"), []byte(out.String()), 0o644)
	}
	do("open the job", chromedp.Evaluate[chromedp.Void](`document.querySelector('#messages .outcome a').click()`))
	waitJS("the job view", `document.querySelector('#job-body table.runs') !== null`, 20*time.Second)
	rows := eval(`String(document.querySelectorAll('#job-body table.runs tbody tr').length)`)
	if rows != fmt.Sprint(len(runsBefore)+1) {
		t.Errorf("job view shows %s runs, want %d (one more than before the rerun)", rows, len(runsBefore)+1)
	}
	if txt := eval(`document.getElementById('job-body').innerText`); !strings.Contains(txt, "Log tail") || !strings.Contains(txt, "Impact") {
		t.Errorf("job view misses sections:\n%s", txt)
	}
	shot("job")

	// A rerun from the job page: the buttons its state offers, the same
	// proposal dialog (impact once, expiry with date and zone), Confirm
	// clicked twice — the simulator executes it once.
	pageJob := abended[len(abended)-1]
	pageBefore, err := hc.Job(ctx, pageJob.ID)
	if err != nil {
		t.Fatal(err)
	}
	do("open the job page", chromedp.Navigate(s.url+"/#/jobs/"+pageJob.ID))
	waitJS("the job's actions", `document.querySelector('#job-body .job-actions button[data-action=rerun]') !== null`, 20*time.Second)
	if got := eval(`Array.from(document.querySelectorAll('#job-body .job-actions button')).map(b => b.dataset.action).join(' ')`); got != "rerun confirm-succ" {
		t.Errorf("an abended job offers %q, want \"rerun confirm-succ\"", got)
	}
	checkZone(t, eval, "the job page", `#job-body time`, true)
	do("rerun from the job page", chromedp.Click(chromedp.CSS(`#job-body .job-actions button[data-action=rerun]`)))
	waitJS("the proposal dialog", `document.getElementById('proposal').open && document.querySelector('#proposal .proposal-action') !== null`, 20*time.Second)
	dlg = eval(`document.getElementById('proposal').innerText`)
	if !strings.Contains(dlg, pageJob.Name) || !strings.Contains(dlg, "Rerun") {
		t.Errorf("the job page's dialog:\n%s", dlg)
	}
	if n := eval(`String(Array.from(document.querySelectorAll('#proposal h3')).filter(e => e.textContent === 'Impact').length + document.querySelectorAll('#proposal .impact-summary').length)`); n != "2" {
		t.Errorf("the dialog shows the impact %s times (heading + summary), want once each", n)
	}
	expires := eval(`document.querySelector('#proposal .expires time').textContent`)
	if !regexp.MustCompile(`^\d{2} [A-Z][a-z]{2}, \d{2}:\d{2} ` + zoneAbbr() + `$`).MatchString(expires) {
		t.Errorf("the expiry reads %q, want a date, a time and %s", expires, zoneAbbr())
	}
	checkA11y("the job page's proposal dialog")
	shot("job-proposal")
	do("confirm twice",
		chromedp.SendKeys(chromedp.ID("justification"), "Job page rerun (INC-5150)"),
		chromedp.Evaluate[chromedp.Void](`(() => { const b = document.getElementById('proposal-ok'); b.click(); b.click(); })()`))
	waitJS("the job page's outcome", `document.querySelector('#job-body .outcome') !== null && document.querySelector('#job-body table.runs') !== null`, 40*time.Second)
	if o := eval(`document.querySelector('#job-body .outcome').innerText`); !strings.HasPrefix(o, "Done") {
		t.Errorf("job page outcome: %q", o)
	}
	pageReruns := 0
	for _, a := range sim.Actions() {
		if a.Verb == "rerun" && a.Headers.Get("Justification-Description") == "Job page rerun (INC-5150)" {
			pageReruns++
		}
	}
	if pageReruns != 1 {
		t.Errorf("reruns from the job page in the simulator: %d, want exactly 1", pageReruns)
	}
	if rows := eval(`String(document.querySelectorAll('#job-body table.runs tbody tr').length)`); rows != fmt.Sprint(len(pageBefore.Runs)+1) {
		t.Errorf("after the job page's rerun the page shows %s runs, want %d", rows, len(pageBefore.Runs)+1)
	}
	shot("job-after-rerun")

	// #/proposals/{id} (where the MCP server links): a proposal made
	// elsewhere opens in the same dialog; canceling it runs nothing.
	opTok := mint(t, s, operatorUser, "operator")
	actionsBefore := len(sim.Actions())
	code, pb := doJSON(t, "POST", s.url+"/api/v1/proposals", opTok, `{"action":"confirm-succ","job":"`+abended[0].ID+`"}`)
	if code != 201 {
		t.Fatalf("POST /api/v1/proposals: %d %s", code, pb)
	}
	var made struct{ ProposalID string }
	if err := json.Unmarshal(pb, &made); err != nil || made.ProposalID == "" {
		t.Fatalf("proposal: %v %s", err, pb)
	}
	do("open the proposal page", chromedp.Navigate(s.url+"/#/proposals/"+made.ProposalID))
	waitJS("the proposal dialog from its page", `document.getElementById('proposal').open && document.getElementById('proposal').innerText.includes('Confirm SUCC')`, 20*time.Second)
	if dlg := eval(`document.getElementById('proposal').innerText`); !strings.Contains(dlg, abended[0].Name) {
		t.Errorf("the proposal page's dialog misses %s:\n%s", abended[0].Name, dlg)
	}
	do("cancel the proposal", chromedp.Click(chromedp.ID("proposal-drop")))
	waitJS("the canceled proposal", `document.querySelector('#prop-body .prop-status').innerText.includes('Canceled')`, 20*time.Second)
	if n := len(sim.Actions()); n != actionsBefore {
		t.Errorf("canceling a proposal sent %d actions to HWA", n-actionsBefore)
	}

	// A log quoted in chat: a numbered monospace block, error lines marked.
	do("ask for a log", chromedp.Navigate(s.url+"/#/chat"), chromedp.WaitVisible(chromedp.ID("question")),
		setVal("agent", "analyst"), chromedp.SendKeys(chromedp.ID("question"), "show the log of "+abended[0].Name+"\r"))
	lastAnswer := `Array.from(document.querySelectorAll('#messages article')).pop()`
	waitJS("the log answer", lastAnswer+`.classList.contains('done')`, 40*time.Second)
	if q := eval(`String(` + lastAnswer + `.querySelectorAll('pre.logquote .ll').length) + ' ' + String(` + lastAnswer + `.querySelectorAll('pre.logquote .ll.err .ln[data-n]').length)`); q == "0 0" || strings.HasSuffix(q, " 0") {
		t.Errorf("quoted log lines / error lines: %s, want a numbered block with error lines:\n%s", q, eval(lastAnswer+`.innerHTML`))
	}
	if txt := eval(`document.getElementById('messages').innerText`); regexp.MustCompile(`\d{2}:\d{2}(:\d{2})? UTC`).MatchString(txt) {
		t.Errorf("chat still shows UTC times:\n%s", txt)
	}
	checkZone(t, eval, "chat", `#messages time`, false)
	shot("chat-log")

	// One search box: a job's name in part finds it; the status filter
	// narrows the jobs; streams and workstations have pages of their own.
	sought := abended[1]
	part := strings.ToLower(sought.Name[1 : len(sought.Name)-1])
	do("search", chromedp.SendKeys(chromedp.ID("find-q"), part+"\r"))
	waitJS("the search results", fmt.Sprintf(`document.querySelector('#search-body .res-jobs a.chip[data-id=%q]') !== null`, sought.ID), 20*time.Second)
	do("filter on status", setVal("f-status", "ERROR"))
	waitJS("the filtered results", `location.hash.includes('status=ERROR') && document.querySelector('#search-body .res-jobs') !== null`, 20*time.Second)
	if st := eval(`Array.from(new Set(Array.from(document.querySelectorAll('#search-body .res-jobs tbody tr td:nth-child(2) .badge:first-child')).map((b) => b.textContent))).join(' ')`); st != "ERROR" {
		t.Errorf("jobs filtered on ERROR have statuses %q", st)
	}
	checkA11y("search")
	shot("search")
	do("open the stream", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`Array.from(document.querySelectorAll('#search-body .res-jobs tbody tr')).find((r) => r.querySelector('a.chip[data-id=%q]')).querySelector('td:nth-child(3) a').click()`, sought.ID)))
	waitJS("the stream page", fmt.Sprintf(`document.getElementById('obj-h').textContent.startsWith('Job stream') && document.querySelector('#obj-body a.chip[data-id=%q]') !== null`, sought.ID), 20*time.Second)
	checkA11y("a stream page")
	shot("stream")
	do("open the workstation", chromedp.Evaluate[chromedp.Void](`document.querySelector('#obj-body dl.kv a[href^="#/workstations/"]').click()`))
	waitJS("the workstation page", `document.getElementById('obj-h').textContent.startsWith('Workstation') && document.querySelector('#obj-body dl.kv') !== null && document.querySelector('#obj-body a.chip') !== null`, 20*time.Second)
	checkA11y("a workstation page")
	shot("workstation")

	// Every page at 1400×900 and 390×844, light and dark; nothing scrolls
	// sideways at 320 px; axe-core finds no serious violation in the dark.
	views := map[string]string{"chat": "#/chat", "dashboard": "#/dashboard", "job": "#/jobs/" + pageJob.ID, "search": "#/search?q=" + url.QueryEscape(part), "stream": "#/streams/" + url.PathEscape(pageJob.StreamName)}
	for _, name := range []string{"chat", "dashboard", "job", "search", "stream"} {
		do("open "+name, chromedp.Navigate(s.url+"/"+views[name]))
		waitJS(name+" loaded", `!document.querySelector('.page:not([hidden]) [role=status]') || !document.querySelector('.page:not([hidden])').innerText.includes('Loading')`, 20*time.Second)
		time.Sleep(300 * time.Millisecond)
		for _, size := range [][2]int64{{1400, 900}, {390, 844}, {320, 700}} {
			do("size", chromedp.EmulateViewport(size[0], size[1]))
			time.Sleep(100 * time.Millisecond)
			if size[0] == 320 {
				if w := eval(`String(document.documentElement.scrollWidth <= document.documentElement.clientWidth)`); w != "true" {
					t.Errorf("%s at 320 px scrolls sideways: %s; too wide: %s", name, eval(`document.documentElement.scrollWidth + ' > ' + document.documentElement.clientWidth`),
						eval(`Array.from(document.querySelectorAll('.page:not([hidden]) *, header *')).filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 && !e.closest('.scroll, pre')).slice(-5).map((e) => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40)).join(' | ')`))
				}
				continue
			}
			shot(fmt.Sprintf("%s-%dx%d", name, size[0], size[1]))
		}
		if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
			t.Fatal(err)
		}
		if bg := eval(`getComputedStyle(document.documentElement).backgroundColor`); bg != "rgb(13, 17, 23)" {
			t.Errorf("%s in the dark: background %s, want the dark theme's", name, bg)
		}
		checkA11y(name + " (dark)")
		shot(name + "-dark")
		if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{}}); err != nil {
			t.Fatal(err)
		}
		do("size back", chromedp.EmulateViewport(1280, 900))
	}

	// Dashboard: the summary, the charts, and an event pushed by the plan monitor.
	do("dashboard", chromedp.Navigate(s.url+"/#/dashboard"))
	waitJS("the charts", `document.querySelector('#chart-status svg rect') !== null && document.querySelector('#chart-ws svg rect') !== null`, 20*time.Second)
	waitJS("the socket", `document.getElementById('conn').dataset.state === 'open'`, 15*time.Second)
	failedList := eval(`document.getElementById('dash-failed').innerText`)
	checkZone(t, eval, "the dashboard", `#page-dashboard time`, true)
	for _, j := range abended[1 : len(abended)-1] { // the first and the last were rerun
		if !strings.Contains(failedList, j.Name) {
			t.Errorf("the dashboard misses abended job %s:\n%s", j.Name, failedList)
		}
	}
	trigger := func() {
		resp, body := do2(t, "POST", s.url+"/local/schedules/plan-monitor")
		if resp != 200 {
			t.Fatalf("plan-monitor: %d %s", resp, body)
		}
	}
	trigger()
	running, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "EXEC")})
	if err != nil || len(running) == 0 {
		t.Fatalf("no running job: %v", err)
	}
	if _, err := hc.Kill(ctx, running[0].ID, hwa.ActionOptions{}); err != nil {
		t.Fatal(err)
	}
	trigger()
	waitJS("the pushed event", `document.getElementById('dash-events').innerText.includes('job_abended')`, 20*time.Second)
	waitJS("the refreshed summary", fmt.Sprintf(`document.getElementById('dash-failed').innerText.includes(%q)`, running[0].Name), 20*time.Second)
	checkA11y("the dashboard")
	shot("dashboard")

	// Documents: the page and what the server says about storage.
	do("documents", chromedp.Navigate(s.url+"/#/documents"))
	waitJS("the documents page", `!document.getElementById('page-documents').hidden && (document.getElementById('docs-note').textContent !== '' || document.querySelector('#docs-list tr') !== null)`, 20*time.Second)
	t.Logf("documents: %s", eval(`document.getElementById('docs-note').textContent`))
	var reviewID string
	if neo.URI != "" {
		reviewID = documentsAndRunbooks(t, bctx, s.url, run, abended[1].Name, operatorUser, do, eval, waitJS, setVal, shot)
	} else {
		shot("documents")
	}

	// Viewer: no operator agent, no confirm button, no documents or review.
	do("sign out", chromedp.Click(chromedp.ID("signout")))
	signIn(viewerUser, "viewer")
	if v := eval(`String(document.querySelector('#agent option[value=operator]').hidden) + ' ' + String(document.querySelector('#nav a[data-page=documents]').hidden)`); v != "true true" {
		t.Errorf("viewer sees the operator agent or documents: %s", v)
	}
	do("viewer asks for a rerun", chromedp.SendKeys(chromedp.ID("question"), "rerun "+abended[1].Name+"\r"))
	waitJS("the viewer's answer", `document.querySelectorAll('#messages article.done').length >= 1`, 40*time.Second)
	if v := eval(`String(document.getElementById('proposal').open) + ' ' + String(document.getElementById('proposal-ok').checkVisibility())`); v != "false false" {
		t.Errorf("viewer: dialog open / confirm visible = %s, want false false", v)
	}
	do("viewer opens a job", chromedp.Navigate(s.url+"/#/jobs/"+abended[1].ID))
	waitJS("the viewer's job page", `document.querySelector('#job-body .job-actions') !== null`, 20*time.Second)
	if v := eval(`document.querySelectorAll('#job-body .job-actions button').length + ' ' + document.querySelector('#job-body .job-actions').innerText`); !strings.HasPrefix(v, "0 ") || !strings.Contains(v, "operator role") {
		t.Errorf("viewer's job actions: %q, want no buttons and a note", v)
	}

	// Admin: the audit trail has the confirmed rerun; the review queue says what is missing.
	do("sign out", chromedp.Click(chromedp.ID("signout")))
	signIn(adminUser, "admin")
	do("review", chromedp.Navigate(s.url+"/#/review"))
	waitJS("the audit trail", `document.querySelector('#audit table') !== null || document.querySelector('#audit p') !== null && !document.getElementById('audit').innerText.includes('Loading')`, 20*time.Second)
	if a := eval(`document.getElementById('audit').innerText`); !strings.Contains(a, "INC-4711") {
		t.Errorf("the audit trail misses the confirmed rerun:\n%s", a)
	}
	if reviewID != "" {
		item := fmt.Sprintf(`document.querySelector('#review-queue li[data-id=%q]')`, reviewID)
		waitJS("the review item", item+` !== null`, 20*time.Second)
		do("approve with a correction",
			chromedp.Evaluate[chromedp.Void](item+`.querySelector('textarea').value = 'Restart the listener first, then rerun the job.'`),
			chromedp.Evaluate[chromedp.Void](item+`.querySelector('button.approve').click()`))
		waitJS("the approval", item+`.innerText.includes('Approved.')`, 20*time.Second)
		t.Logf("review item %s (the answer rated 1) approved with a correction", reviewID)
		code, body := doAuth(t, "GET", s.url+"/api/v1/admin/reviews?status=approved", mint(t, s, adminUser, "admin"))
		if code != 200 || !strings.Contains(body, reviewID) || !strings.Contains(body, "Restart the listener first") {
			t.Errorf("approved reviews: %d %.500s", code, body)
		}
	}
	shot("review")

	// The shift handover: the rerun confirmed in chat, with who and why.
	do("handover", chromedp.Navigate(s.url+"/#/handover"))
	waitJS("the handover", `document.getElementById('handover').innerText.includes('Open prompts (')`, 20*time.Second)
	if v := eval(`document.getElementById('handover').innerText`); !strings.Contains(v, "Supplier re-sent the file (INC-4711)") || !strings.Contains(v, operatorUser) {
		t.Errorf("the handover misses the confirmed rerun with who and why:\n%s", v)
	}
	checkA11y("the handover")
	shot("handover")

	// Dead letters: the abend no channel accepted, replayed from the page once.
	do("dead letters", chromedp.Navigate(s.url+"/#/dead-letters"))
	row := fmt.Sprintf(`[...document.querySelectorAll('#dead-letters tr[data-id]')].find((r) => r.innerText.includes(%q))`, "Job abended: "+running[0].Name)
	waitJS("the dead letter", row+` !== undefined`, 20*time.Second)
	checkA11y("the dead letters")
	night.FailAlways(false)
	do("replay", chromedp.Evaluate[chromedp.Void](row+`.querySelector('button').click()`))
	waitJS("the replay", row+`.innerText.includes('Delivered to night-slack')`, 20*time.Second)
	if n := night.Count("Job abended: " + running[0].Name); n != 1 || len(night.Invalid()) > 0 {
		t.Errorf("the replayed abend reached the channel %d times (refused %v), want once", n, night.Invalid())
	}
	shot("dead-letters")

	// Sign-in in AWS: Cognito's hosted UI (authorization code with PKCE),
	// with a fake Cognito and the site behind a proxy whose config.json
	// says "cognito", as the deployment writes it.
	cognitoSignIn(t, bctx, s, blog, do, waitJS, eval)

	// No console error, exception or CSP violation across the run.
	problems, _, _ := blog.report()
	if csp := eval(`JSON.stringify(window.__csp)`); csp != "[]" {
		problems = append(problems, "securitypolicyviolation: "+csp)
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	// The detectors work: a console error and a failed request are seen.
	seen, _, _ := blog.report()
	do("probe the detectors", chromedp.Evaluate[chromedp.Void](`console.error('detector probe'); fetch('/api/v1/no-such-route').catch(() => {})`), chromedp.Sleep(500*time.Millisecond))
	if after, _, _ := blog.report(); len(after) < len(seen)+2 {
		t.Errorf("the console detectors missed a probe: %q", after[len(seen):])
	}
	t.Logf("axe-core ran %d times", axeRuns)
	t.Logf("browser run took %s, %d problems", time.Since(start).Round(time.Millisecond), len(problems))
}

// documentsAndRunbooks uploads a Markdown runbook through the page, waits
// for it to be ingested, asks about it, opens the cited document, rates
// the answer low (a review item) and deletes the document. It returns the
// review item's id.
func documentsAndRunbooks(t *testing.T, bctx context.Context, base, run, job, user string,
	do func(string, ...chromedp.Action[chromedp.Void]), eval func(string) string,
	waitJS func(string, string, time.Duration), setVal func(string, string) chromedp.Action[chromedp.Void], shot func(string)) string {
	t.Helper()
	name := "web-e2e-" + run + ".md"
	marker := "listener LSN" + run
	path := filepath.Join(t.TempDir(), name)
	md := "# Operations\n\n## Recovering " + job + "\n\nWhen " + job + " abends, restart the " + marker + ", then rerun " + job + ".\n"
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	do("upload a runbook", chromedp.WaitVisible(chromedp.ID("upload-file")), chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{path}),
		chromedp.Click(chromedp.CSS("#upload button[type=submit]")))
	waitJS("the upload", `document.getElementById('upload-status').textContent.startsWith('Uploaded') && document.getElementById('upload-progress').value === 100`, 20*time.Second)
	row := fmt.Sprintf(`Array.from(document.querySelectorAll('#docs-list tr')).find(r => r.cells[0] && r.cells[0].textContent === %q)`, name)
	waitJS("the runbook ingested", `(`+row+` || {innerText: ''}).innerText.includes('ingested')`, 40*time.Second)
	waitJS("the upload status", fmt.Sprintf(`document.getElementById('upload-status').textContent.startsWith(%q)`, name+" is ingested"), 10*time.Second)
	shot("documents")
	t.Logf("runbook %s uploaded through the presigned URL and ingested", name)

	do("ask about the runbook", chromedp.Navigate(base+"/#/chat"), chromedp.WaitVisible(chromedp.ID("question")),
		setVal("agent", "analyst"), chromedp.SendKeys(chromedp.ID("question"), "what to do when "+job+" abends?\r"))
	last := `Array.from(document.querySelectorAll('#messages article')).pop()`
	waitJS("the runbook answer", last+`.classList.contains('done')`, 40*time.Second)
	if a := eval(last + `.innerText`); !strings.Contains(a, marker) {
		t.Errorf("the answer does not give the runbook's procedure (%s):\n%s", marker, a)
	}
	docID := strings.TrimPrefix(eval(row+`.id`), "doc-")
	cite := fmt.Sprintf(last+`.querySelector('.cites a[href^="#/documents/%s"]')`, docID)
	if eval(`String(`+cite+` !== null)`) != "true" {
		t.Fatalf("no citation opens the runbook %s: %s", docID, eval(last+`.querySelector('.cites') ? `+last+`.querySelector('.cites').innerHTML : 'no citations'`))
	}
	turnID := eval(last + `.dataset.id`)
	t.Logf("the runbook answer gives its procedure and cites %s", docID)

	// Feedback: rated 1 with a comment, which makes a review item.
	do("rate the answer",
		chromedp.Evaluate[chromedp.Void](last+`.querySelector('form.feedback select').value = '1'`),
		chromedp.Evaluate[chromedp.Void](last+`.querySelector('form.feedback input').value = 'it should say to check the listener log first'`),
		chromedp.Evaluate[chromedp.Void](last+`.querySelector('form.feedback button').click()`))
	waitJS("the feedback recorded", last+`.innerText.includes('Thanks for the feedback.')`, 20*time.Second)

	// The citation opens the document's row.
	do("open the cited runbook", chromedp.Evaluate[chromedp.Void](cite+`.click()`))
	waitJS("the highlighted runbook", fmt.Sprintf(`document.getElementById('doc-%s') !== null && document.getElementById('doc-%s').classList.contains('hl')`, docID, docID), 20*time.Second)

	// Delete it (the page asks first; the test answers yes).
	do("delete the runbook", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('#doc-%s button').click()`, docID)))
	waitJS("the runbook gone", fmt.Sprintf(`document.getElementById('doc-%s') === null`, docID), 20*time.Second)

	sum := sha256.Sum256([]byte(user + "\x00" + turnID + "\x00" + "low rating"))
	return "rev-" + hex.EncodeToString(sum[:12])
}

// cleanGraph removes what this run left in the shared graph: its users'
// turns and review items (approved corrections feed later answers) and the
// runbook if the delete step did not run.
func cleanGraph(t *testing.T, neo testenv.Neo4jConfig, users []string, docName string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	g, err := graph.Open(ctx, graph.Config{URI: neo.URI, User: neo.User, Password: neo.Password})
	if err != nil {
		t.Logf("clean the graph: %v", err)
		return
	}
	defer g.Close(context.Background())
	if _, err := g.Write(ctx, `MATCH (n) WHERE (n:Turn OR n:ReviewItem) AND n.user IN $u DETACH DELETE n`, map[string]any{"u": users}); err != nil {
		t.Logf("clean the graph: %v", err)
	}
	if _, err := g.Write(ctx, `MATCH (d:Document {bucket: $b, name: $n}) OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c) DETACH DELETE c, d`, map[string]any{"b": documentsBucket, "n": docName}); err != nil {
		t.Logf("clean the graph: %v", err)
	}
}

// dropSockets closes every WebSocket of the page as a dropped network would,
// finding them with Runtime.queryObjects (the client keeps its socket private).
func dropSockets(t *testing.T, bctx context.Context) {
	t.Helper()
	proto, err := chromedp.Run(bctx, chromedp.Evaluate[*runtime.RemoteObject](`WebSocket.prototype`))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := chromedp.Call(bctx, runtime.QueryObjects, runtime.QueryObjectsParams{PrototypeObjectID: proto.ObjectID})
	if err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Call(bctx, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
		FunctionDeclaration: `function() { this.forEach((w) => w.close(4000, 'dropped by the test')); return String(this.length); }`,
		ObjectID:            objs.Objects.ObjectID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Result == nil || string(res.Result.Value) != `"1"` {
		t.Fatalf("open WebSockets: %v, want 1", res.Result)
	}
}

// cognitoSignIn runs the hosted-UI flow against a fake Cognito: the page
// redirects to /oauth2/authorize with an S256 challenge, comes back with a
// code and exchanges it with the verifier for an ID token whose
// cognito:groups give the role.
func cognitoSignIn(t *testing.T, bctx context.Context, s *stack, blog *browserLog,
	do func(string, ...chromedp.Action[chromedp.Void]), waitJS func(string, string, time.Duration), eval func(string) string) {
	t.Helper()
	var (
		mu         sync.Mutex
		challenges = map[string]string{}
		exchanged  int
		site       *httptest.Server
	)
	cognito := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch r.URL.Path {
		case "/oauth2/authorize":
			if q.Get("client_id") != "web-client" || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("redirect_uri") != site.URL+"/" {
				http.Error(w, "bad authorize request: "+r.URL.RawQuery, http.StatusBadRequest)
				return
			}
			mu.Lock()
			challenges["code-1"] = q.Get("code_challenge")
			mu.Unlock()
			http.Redirect(w, r, q.Get("redirect_uri")+"?code=code-1&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
		case "/oauth2/token":
			w.Header().Set("Access-Control-Allow-Origin", "*")
			_ = r.ParseForm()
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			mu.Lock()
			want := challenges[r.PostForm.Get("code")]
			delete(challenges, r.PostForm.Get("code"))
			mu.Unlock()
			if r.Method != http.MethodPost || want == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != want ||
				r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("client_id") != "web-client" {
				http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
				return
			}
			mu.Lock()
			exchanged++
			mu.Unlock()
			tok := mint(t, s, "cora", "operator")
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id_token":%q,"access_token":%q,"expires_in":3600,"token_type":"Bearer"}`, tok, tok)
		default:
			http.NotFound(w, r)
		}
	}))
	defer cognito.Close()
	target, _ := url.Parse(s.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if csp := resp.Header.Get("Content-Security-Policy"); csp != "" {
			resp.Header.Set("Content-Security-Policy", strings.Replace(csp, "connect-src 'self'", "connect-src 'self' "+cognito.URL, 1))
		}
		return nil
	}
	site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/config.json" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"mode":"cognito","cognitoDomain":%q,"clientId":"web-client","redirectUri":%q,"apiBase":"","wsUrl":%q,"keepaliveSeconds":1}`,
				cognito.URL, site.URL+"/", strings.Replace(site.URL, "http://", "ws://", 1)+"/ws")
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer site.Close()

	do("open the site", chromedp.Navigate(site.URL+"/#/dashboard"), chromedp.WaitVisible(chromedp.ID("signin-go")))
	if v := eval(`String(document.getElementById('signin-local').hidden) + ' ' + document.getElementById('signin-go').textContent`); v != "true Sign in with Cognito" {
		t.Errorf("cognito sign-in page: %q", v)
	}
	do("sign in with Cognito", chromedp.Click(chromedp.ID("signin-go")))
	// Two navigations (to Cognito and back) replace the page under a poll;
	// poll again until the signed-in page answers.
	back := `location.origin === %q && document.getElementById('whoami').textContent.endsWith('(operator)') && document.getElementById('conn').dataset.state === 'open'`
	back = fmt.Sprintf(back, site.URL)
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, err := chromedp.Run(bctx, chromedp.Poll[bool](back, chromedp.WithPollingTimeout(5*time.Second)))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("back from Cognito: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if u := eval(`location.href`); strings.Contains(u, "code=") || !strings.HasPrefix(u, site.URL) {
		t.Errorf("after sign-in the address is %s, want the site without the code", u)
	}
	waitJS("the dashboard", `document.querySelector('#chart-status svg rect') !== null`, 20*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if exchanged != 1 {
		t.Errorf("token exchanges = %d, want 1", exchanged)
	}
	t.Logf("signed in through the fake Cognito's hosted UI (PKCE verified) and back on the dashboard")

	// Keepalive: this config.json asks for a ping every second.
	blog.mu.Lock()
	blog.pings, blog.pongs = 0, 0
	blog.mu.Unlock()
	time.Sleep(2500 * time.Millisecond)
	blog.mu.Lock()
	pings, pongs := blog.pings, blog.pongs
	blog.mu.Unlock()
	if pings < 2 || pongs < 1 {
		t.Errorf("keepalive: %d pings sent and %d pongs received in 2.5 s at keepaliveSeconds=1", pings, pongs)
	}
	t.Logf("keepalive: %d pings, %d pongs in 2.5 s", pings, pongs)
}

// planTZ is the simulated engine's time zone.
const planTZ = "Europe/Rome"

// zoneAbbr is the short name of planTZ now (CET or CEST), as the page shows it.
func zoneAbbr() string {
	loc, err := time.LoadLocation(planTZ)
	if err != nil {
		return "CET"
	}
	return time.Now().In(loc).Format("MST")
}

// checkZone asserts that the times the selector finds on the page are in
// the plan's zone and say so; a selector of #planzone checks the header.
func checkZone(t *testing.T, eval func(string) string, where, sel string, some bool) {
	t.Helper()
	if sel == "#planzone" {
		if z := eval(`document.getElementById('planzone').textContent`); z != "Plan time: "+planTZ {
			t.Errorf("%s: the header says %q, want the plan's zone %s", where, z, planTZ)
		}
		return
	}
	got := eval(`JSON.stringify(Array.from(document.querySelectorAll(` + strconv.Quote(sel) + `)).map(e => [e.dataset.zone, e.textContent]))`)
	var times [][2]string
	if err := json.Unmarshal([]byte(got), &times); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if some && len(times) == 0 {
		t.Errorf("%s: no time on screen (%s)", where, sel)
	}
	for _, tm := range times {
		if tm[0] != planTZ || !strings.HasSuffix(tm[1], " "+zoneAbbr()) {
			t.Errorf("%s: time %q in zone %q, want %s shown as %s", where, tm[1], tm[0], planTZ, zoneAbbr())
		}
	}
	t.Logf("%s: %d times in %s", where, len(times), planTZ)
}

func doAuth(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	resp, b := do(t, method, url, token, "")
	return resp.StatusCode, string(b)
}

func doJSON(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	resp, b := do(t, method, url, token, body)
	return resp.StatusCode, b
}

func do2(t *testing.T, method, url string) (int, string) {
	t.Helper()
	resp, b := do(t, method, url, "", "")
	return resp.StatusCode, string(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
