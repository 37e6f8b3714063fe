//go:build webe2e

package main

// The console's operator and admin tools in headless Chromium, against a
// stack of its own (chat, status, admin, health, ingest; the test Neo4j for
// the review queue): a log citation opens the job's log at the cited lines,
// the alerts panel lists what the plan monitor raised and counts it unread
// (and notifies of a critical one once allowed), the audit table pages,
// filters and exports the rows the API returns, the review queue shows the
// question, the answer, the cited jobs and the reason — reached with the
// keyboard alone, with axe-core, console and CSP clean. Run with
// `go test -tags webe2e -run TestWebClient ./infra/local/`.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	sharedconfig "github.com/resync/resync/shared/edge/config"
)

// notifySpy records the browser notifications the page shows (DevTools
// injects it before the page's scripts; the real constructor still runs).
const notifySpy = `window.__notes = []; if (window.Notification) { const N = window.Notification; window.Notification = class extends N { constructor(title, opts) { window.__notes.push(title); super(title, opts); } }; }`

// console drives one Chromium tab for TestWebClientConsole.
type console struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
	out   *syncBuffer
	axe   []byte
}

func (c *console) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, steps...); err != nil {
		c.t.Fatalf("%s: %v\nstack output:\n%s", what, err, tail(c.out.String(), 3000))
	}
}

func (c *console) eval(expr string) string {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		c.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (c *console) wait(what, expr string, d time.Duration) {
	c.t.Helper()
	if _, err := chromedp.Run(c.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(d))); err != nil {
		c.t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, expr, err, tail(c.eval(`document.body.innerText`), 3000))
	}
}

func (c *console) setVal(id, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()`, id, v))
}

// shots writes the page at 1400×900 and 390×844 (the size is restored).
func (c *console) shotBoth(name string) {
	c.t.Helper()
	for _, size := range [][2]int64{{1400, 900}, {390, 844}} {
		c.do("size", chromedp.EmulateViewport(size[0], size[1]))
		time.Sleep(150 * time.Millisecond)
		if w := c.eval(`document.documentElement.scrollWidth + ' ' + document.documentElement.clientWidth`); size[0] == 390 && strings.Fields(w)[0] != strings.Fields(w)[1] {
			c.t.Errorf("%s at 390 px scrolls sideways (scroll and client width %s); too wide: %s", name, w,
				c.eval(`Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 && !e.closest('.scroll, pre')).slice(-4).map((e) => e.tagName + '.' + e.className).join(' | ')`))
		}
		b, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			c.t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(c.shots, fmt.Sprintf("%s-%dx%d.png", name, size[0], size[1]))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			c.t.Fatal(err)
		}
	}
	c.do("size back", chromedp.EmulateViewport(1400, 900))
}

// a11y runs axe-core; serious and critical violations fail.
func (c *console) a11y(where string) {
	c.t.Helper()
	if _, err := chromedp.Run(c.ctx, chromedp.Evaluate[chromedp.Void](`window.axe ? undefined : (0, eval)(`+strconv.Quote(string(c.axe))+`)`)); err != nil {
		c.t.Fatalf("inject axe-core: %v", err)
	}
	res, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then((r) => JSON.stringify(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.impact + ' ' + v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join('; '))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("axe-core on %s: %v", where, err)
	}
	var found []string
	if err := json.Unmarshal([]byte(res), &found); err != nil {
		c.t.Fatalf("axe-core on %s: %v: %s", where, err, res)
	}
	for _, v := range found {
		c.t.Errorf("axe-core on %s: %s", where, v)
	}
}

// tabTo presses Tab (at most max times) until the focused element matches
// sel, and checks the focus is visible there (an outline of 2 px or more).
func (c *console) tabTo(sel string, max int) {
	c.t.Helper()
	var path []string
	for i := 0; i < max; i++ {
		c.do("tab", chromedp.KeyEvent(kb.Tab))
		if c.eval(fmt.Sprintf(`String(document.activeElement.matches(%q))`, sel)) == "true" {
			if o := c.eval(`(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth; })()`); strings.HasPrefix(o, "none") || strings.HasSuffix(o, " 0px") || strings.HasSuffix(o, " 1px") {
				c.t.Errorf("keyboard focus on %s is not visible: outline %q", sel, o)
			}
			return
		}
		path = append(path, c.eval(`(() => { const e = document.activeElement; return e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ')[0] : ''); })()`))
	}
	c.t.Fatalf("Tab did not reach %s in %d presses; focus went %s", sel, max, strings.Join(path, " → "))
}

func TestWebClientConsole(t *testing.T) {
	start := time.Now()
	neo := testenv.Neo4jConfig{URI: os.Getenv(testenv.EnvNeo4jURI), User: os.Getenv(testenv.EnvNeo4jUser), Password: os.Getenv(testenv.EnvNeo4jPassword)}
	if neo.URI == "" {
		// The review queue and the cited jobs live in the graph.
		t.Fatalf("%s is not set (scripts/services.sh up)", testenv.EnvNeo4jURI)
	}
	sim := hwasim.New(hwasim.Config{Seed: 33, TimeZone: planTZ})
	hwaSrv := newHTTPServer(t, sim)
	webDir, err := filepath.Abs("../../web")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envWebDir: webDir, "HWA_URL": hwaSrv}
	env[sharedconfig.EnvNeo4jURI], env[sharedconfig.EnvNeo4jUser], env[sharedconfig.EnvNeo4jPassword] = neo.URI, neo.User, neo.Password
	env[envBinDir] = buildFunctions(t, "chat", "status", "admin", "health", "ingest")
	s, out := newStack(t, env)
	run := fmt.Sprint(time.Now().UnixNano() % 1e9)
	operatorUser, adminUser := "olga-"+run, "adam-"+run
	t.Cleanup(func() { cleanGraph(t, neo, []string{operatorUser, adminUser}, "console-e2e-"+run+".md") })
	// The graph knows the plan's jobs: the turns' cited jobs link to them.
	if code, b := do2(t, "POST", s.url+"/local/schedules/topology-sync"); code != 200 {
		t.Fatalf("topology-sync: %d %s", code, b)
	}
	ctx := context.Background()
	hc, err := hwa.New(hwa.Config{BaseURL: hwaSrv})
	if err != nil {
		t.Fatal(err)
	}
	abended, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "ABEND")})
	if err != nil || len(abended) == 0 {
		t.Fatalf("simulator abended jobs: %d, %v", len(abended), err)
	}
	axeSrc, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath(t)), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("no-default-browser-check", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 900))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	bctx, cancelRun := context.WithTimeout(bctx, 240*time.Second)
	defer cancelRun()
	blog := &browserLog{}
	if err := chromedp.Listen(bctx, blog.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for _, src := range []string{cspProbe, notifySpy} {
		if _, err := chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
			t.Fatal(err)
		}
	}
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	c := &console{t: t, ctx: bctx, base: s.url, shots: outDir(t), out: out, axe: axeSrc}
	c.do("size", chromedp.EmulateViewport(1400, 900))
	signIn := func(user, role string) {
		t.Helper()
		c.do("open the client", chromedp.Navigate(s.url+"/#/chat"), chromedp.WaitVisible(chromedp.ID("signin-user")))
		c.do("sign in as "+role, c.setVal("signin-user", user), c.setVal("signin-role", role), chromedp.Click(chromedp.ID("signin-go")))
		c.wait("the WebSocket", fmt.Sprintf(`document.getElementById('whoami').textContent.startsWith(%q) && document.getElementById('conn').dataset.state === 'open'`, user+" ("+role+")"), 15*time.Second)
	}

	// 1. A log citation, followed with the keyboard, opens the job page's
	// log at the cited lines: the same lines the API's tail has there.
	signIn(operatorUser, "operator")
	job := abended[0]
	c.do("ask for a log", chromedp.WaitVisible(chromedp.ID("question")), chromedp.SendKeys(chromedp.ID("question"), "show the log of "+job.Name+"\r"))
	last := `Array.from(document.querySelectorAll('#messages article')).pop()`
	c.wait("the log answer", last+`.classList.contains('done')`, 40*time.Second)
	logCite := last + `.querySelector('.cites a[data-kind=log]')`
	if c.eval(`String(`+logCite+` !== null)`) != "true" {
		t.Fatalf("the log answer cites no log: %s", c.eval(last+`.querySelector('.cites') ? `+last+`.querySelector('.cites').innerHTML : 'no citations'`))
	}
	href := c.eval(logCite + `.getAttribute('href')`)
	u, err := url.Parse(strings.TrimPrefix(href, "#"))
	if err != nil || !strings.HasPrefix(u.Path, "/jobs/"+job.ID) {
		t.Fatalf("log citation href %q, want #/jobs/%s?…", href, job.ID)
	}
	lines, tailN := u.Query().Get("lines"), u.Query().Get("tail")
	t.Logf("log citation: %s", href)
	turnID := c.eval(last + `.dataset.id`)
	c.a11y("chat with citations")
	c.shotBoth("console-chat-citations")
	// Keyboard: from the question box, Tab reaches the citation; Enter opens it.
	c.do("start from the top", chromedp.Evaluate[chromedp.Void](`document.getElementById('main').focus()`))
	c.tabTo(`#messages article:last-of-type .cites a[data-kind=log]`, 80)
	c.do("open the citation", chromedp.KeyEvent(kb.Enter))
	c.wait("the cited log lines", `location.hash.startsWith('#/jobs/') && document.querySelector('#job-log mark.cited') !== null`, 20*time.Second)
	tok := mint(t, s, operatorUser, "operator")
	code, body := doAuth(t, "GET", s.url+"/api/v1/jobs/"+job.ID+"/log?tail="+tailN, tok)
	if code != 200 {
		t.Fatalf("log: %d %s", code, body)
	}
	var logv struct{ Text string }
	if err := json.Unmarshal([]byte(body), &logv); err != nil {
		t.Fatal(err)
	}
	apiLines := strings.Split(strings.TrimSuffix(logv.Text, "\n"), "\n")
	var want []string
	for _, n := range expandLines(t, lines) {
		if n < 1 || n > len(apiLines) {
			t.Fatalf("cited line %d outside the tail of %d lines", n, len(apiLines))
		}
		want = append(want, strconv.Itoa(n)+" "+apiLines[n-1])
	}
	got := c.eval(`JSON.stringify(Array.from(document.querySelectorAll('#job-log mark.cited')).map((m) => m.dataset.n + ' ' + m.textContent.replace(/\n$/, '')))`)
	var gotLines []string
	json.Unmarshal([]byte(got), &gotLines)
	if !slices.Equal(gotLines, want) {
		t.Errorf("marked log lines:\n%q\nwant (lines %s of the API's tail of %s):\n%q", gotLines, lines, tailN, want)
	}
	if v := c.eval(`(() => { const pre = document.querySelector('#job-log pre'); const m = pre.querySelector('mark.cited'); const p = pre.getBoundingClientRect(), r = m.getBoundingClientRect(); return String(document.activeElement === pre && r.top >= p.top - 1 && r.top < p.bottom && r.top >= 0 && r.top < innerHeight); })()`); v != "true" {
		t.Errorf("the first cited line is not in view with the log focused")
	}
	c.a11y("the job page at cited log lines")
	c.shotBoth("console-job-cited-log")
	// The runs table at phone width: each cell names its column.
	c.do("phone width", chromedp.EmulateViewport(390, 844))
	time.Sleep(150 * time.Millisecond)
	if v := c.eval(`Array.from(document.querySelectorAll('#job-body table.runs tbody tr:first-child td')).map((td) => getComputedStyle(td, '::before').content).join(' ')`); v != `"Run: " "Status: " "RC: " "Start: " "End: " "Type: "` {
		t.Errorf("runs table cells at 390 px are labelled %s", v)
	}
	c.do("wide", chromedp.EmulateViewport(1400, 900))

	// Rate the log answer low: a review item about a turn that cited the job.
	c.do("back to chat", chromedp.Navigate(s.url+"/#/chat"))
	c.wait("the conversation", `document.querySelector('#messages article.done form.feedback') !== null`, 10*time.Second)
	c.do("rate the answer",
		chromedp.Evaluate[chromedp.Void](last+`.querySelector('form.feedback select').value = '1'`),
		chromedp.Evaluate[chromedp.Void](last+`.querySelector('form.feedback input').value = 'the log tail is too short'`),
		chromedp.Evaluate[chromedp.Void](last+`.querySelector('form.feedback button').click()`))
	c.wait("the feedback recorded", last+`.innerText.includes('Thanks for the feedback.')`, 20*time.Second)

	// 1b. A runbook citation opens the runbook at the cited section.
	docName := "console-e2e-" + run + ".md"
	marker := "listener LSN" + run
	mdPath := filepath.Join(t.TempDir(), docName)
	md := "# Operations\n\n## Start of day\n\nCheck the agents.\n\n## Recovering " + job.Name + "\n\nWhen " + job.Name + " abends, restart the " + marker + ", then rerun " + job.Name + ".\n"
	if err := os.WriteFile(mdPath, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	c.do("documents", chromedp.Navigate(s.url+"/#/documents"), chromedp.WaitVisible(chromedp.ID("upload-file")))
	c.do("upload a runbook", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{mdPath}), chromedp.Click(chromedp.CSS("#upload button[type=submit]")))
	c.wait("the runbook ingested", fmt.Sprintf(`document.getElementById('upload-status').textContent.startsWith(%q)`, docName+" is ingested"), 40*time.Second)
	c.do("ask about the runbook", chromedp.Navigate(s.url+"/#/chat"), chromedp.WaitVisible(chromedp.ID("question")),
		chromedp.SendKeys(chromedp.ID("question"), "what to do when "+job.Name+" abends?\r"))
	c.wait("the runbook answer", `document.querySelectorAll('#messages article.done').length === 2`, 40*time.Second)
	docCite := last + `.querySelector('.cites a[data-kind=document]')`
	if c.eval(`String(`+docCite+` !== null)`) != "true" {
		t.Fatalf("the runbook answer cites no runbook: %s", c.eval(last+`.innerHTML`))
	}
	dh := c.eval(docCite + `.getAttribute('href')`)
	du, err := url.Parse(strings.TrimPrefix(dh, "#"))
	if err != nil || du.Query().Get("section") == "" {
		t.Fatalf("runbook citation %q names no section", dh)
	}
	section := du.Query().Get("section")
	t.Logf("runbook citation: %s", dh)
	c.do("start from the top", chromedp.Evaluate[chromedp.Void](`document.getElementById('main').focus()`))
	c.tabTo(`#messages article:last-of-type .cites a[data-kind=document]`, 120)
	c.do("open the runbook citation", chromedp.KeyEvent(kb.Enter))
	c.wait("the cited section", `document.querySelector('#doc-view .doc-section.cited') !== null`, 20*time.Second)
	sec := c.eval(`JSON.stringify(Array.from(document.querySelectorAll('#doc-view .doc-section.cited')).map((e) => [e.dataset.section, e.innerText, String(document.activeElement === e)]))`)
	var secs [][3]string
	json.Unmarshal([]byte(sec), &secs)
	if len(secs) == 0 || secs[0][0] != section || !strings.Contains(secs[0][1], marker) || secs[0][2] != "true" {
		t.Errorf("the cited section shown: %q, want %q with %q, focused", secs, section, marker)
	}
	if n := c.eval(`String(document.querySelectorAll('#doc-view .doc-section').length)`); n == "1" {
		t.Errorf("the runbook view shows only the cited section, want the whole runbook")
	}
	c.a11y("a runbook at its cited section")
	c.shotBoth("console-runbook-section")

	// 2. Alerts: the plan monitor raises an abend; the panel lists it,
	// the unread count goes up, a critical one is notified once allowed.
	c.do("dashboard", chromedp.Navigate(s.url+"/#/dashboard"))
	c.wait("the alerts button", `!document.getElementById('alerts-btn').hidden && document.getElementById('alerts-btn').dataset.unread !== undefined`, 15*time.Second)
	c.wait("the socket", `document.getElementById('conn').dataset.state === 'open'`, 15*time.Second)
	monitor := func() {
		t.Helper()
		if code, b := do2(t, "POST", s.url+"/local/schedules/plan-monitor"); code != 200 {
			t.Fatalf("plan-monitor: %d %s", code, b)
		}
	}
	monitor() // the first run takes the plan's view
	// Keyboard: Tab from the top reaches the alerts button; Enter opens the panel.
	c.do("start from the top", chromedp.Evaluate[chromedp.Void](`document.querySelector('a.skip').focus()`))
	c.tabTo(`#alerts-btn`, 20)
	c.do("open the alerts", chromedp.KeyEvent(kb.Enter))
	c.wait("the panel", `!document.getElementById('alerts-panel').hidden && document.activeElement.id === 'alerts-h'`, 5*time.Second)
	c.tabTo(`#alerts-sev`, 6)
	if v := c.eval(`document.getElementById('alerts-panel').dataset.notify`); v != "default" {
		t.Fatalf("notification permission before asking: %q, want default", v)
	}
	// The user will allow notifications when the page asks (on the key press).
	if _, err := chromedp.CallBrowser(bctx, browser.SetPermission, browser.SetPermissionParams{Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted, Origin: s.url}); err != nil {
		t.Fatal(err)
	}
	c.tabTo(`#alerts-notify`, 6)
	c.do("allow notifications", chromedp.KeyEvent(kb.Enter))
	c.wait("the permission", `document.getElementById('alerts-panel').dataset.notify === 'granted'`, 5*time.Second)
	c.do("Escape closes the panel", chromedp.KeyEvent(kb.Escape))
	if v := c.eval(`String(document.getElementById('alerts-panel').hidden) + ' ' + document.activeElement.id + ' ' + document.getElementById('alerts-btn').getAttribute('aria-expanded')`); v != "true alerts-btn false" {
		t.Errorf("after Escape: panel hidden, focus, expanded = %q, want \"true alerts-btn false\"", v)
	}
	unreadBefore := c.eval(`document.getElementById('alerts-btn').dataset.unread`)
	running, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "EXEC")})
	if err != nil || len(running) == 0 {
		t.Fatalf("no running job: %v", err)
	}
	victim := running[0]
	if _, err := hc.Kill(ctx, victim.ID, hwa.ActionOptions{}); err != nil {
		t.Fatal(err)
	}
	monitor()
	item := fmt.Sprintf(`document.querySelector('#alerts-list li.alert[data-kind=job_abended][data-key^=%q]')`, "job_abended|"+victim.ID+"|")
	c.wait("the abend alert, graded by the server", item+` !== null && `+item+`.querySelector('.sev').textContent === 'critical'`, 20*time.Second)
	unreadAfter := c.eval(`document.getElementById('alerts-btn').dataset.unread`)
	if b, a := atoi(unreadBefore), atoi(unreadAfter); a <= b {
		t.Errorf("unread alerts %d before the abend and %d after, want more", b, a)
	}
	if l := c.eval(`document.getElementById('alerts-btn').getAttribute('aria-label')`); l != "Alerts, "+unreadAfter+" unread" {
		t.Errorf("alerts button label %q", l)
	}
	if l := c.eval(`document.getElementById('alerts-live').textContent`); !strings.Contains(l, victim.Name) && !strings.HasSuffix(l, " new alerts") {
		t.Errorf("the live region says %q, not the new alert", l)
	}
	if n := c.eval(`JSON.stringify(window.__notes)`); !strings.Contains(n, victim.Name) {
		t.Errorf("notifications shown: %s, want the abend of %s", n, victim.Name)
	}
	// The server lists the same alert.
	code, body = doAuth(t, "GET", s.url+"/api/v1/alerts?kind=job_abended&severity=critical", tok)
	if code != 200 || !strings.Contains(body, `"objectId":"`+victim.ID+`"`) {
		t.Errorf("GET /api/v1/alerts: %d %.400s", code, body)
	}
	c.do("open the alerts", chromedp.Click(chromedp.ID("alerts-btn")))
	c.wait("the panel", `!document.getElementById('alerts-panel').hidden`, 5*time.Second)
	c.do("only warnings", c.setVal("alerts-sev", "warning"))
	if c.eval(`String(`+item+` === null)`) != "true" {
		t.Error("the critical abend shows under the warning filter")
	}
	c.do("abends of any severity", c.setVal("alerts-sev", ""), c.setVal("alerts-kind", "job_abended"))
	if v := c.eval(`String(` + item + ` !== null && Array.from(document.querySelectorAll('#alerts-list li.alert')).every((li) => li.dataset.kind === 'job_abended'))`); v != "true" {
		t.Error("the kind filter does not show only abends")
	}
	c.a11y("the alerts panel")
	c.shotBoth("console-alerts")
	c.do("close", chromedp.Click(chromedp.ID("alerts-close")))
	if u := c.eval(`document.getElementById('alerts-btn').dataset.unread + ' ' + String(document.getElementById('alerts-count').hidden)`); u != "0 true" {
		t.Errorf("after reading, unread = %q, want \"0 true\"", u)
	}

	// 3. Admin: audit entries enough for pages.
	adminTok := mint(t, s, adminUser, "admin")
	for i := 0; i < 30; i++ {
		if code, b := doJSON(t, "POST", s.url+"/api/v1/admin/cache/invalidate", adminTok, `{"kind":"summary"}`); code >= 300 {
			t.Fatalf("cache invalidate: %d %s", code, b)
		}
	}
	c.do("sign out", chromedp.Click(chromedp.ID("signout")))
	signIn(adminUser, "admin")
	c.do("review", chromedp.Navigate(s.url+"/#/review"))
	c.wait("the audit table", `document.querySelectorAll('#audit table.audit tbody tr').length > 0`, 20*time.Second)
	type page struct {
		Entries []struct{ ID, User string }
		Next    string
	}
	apiPage := func(q string) page {
		t.Helper()
		code, body := doAuth(t, "GET", s.url+"/api/v1/admin/audit?"+q, adminTok)
		if code != 200 {
			t.Fatalf("audit ?%s: %d %s", q, code, body)
		}
		var p page
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ids := func(p page) string {
		var s []string
		for _, e := range p.Entries {
			s = append(s, e.ID)
		}
		return strings.Join(s, " ")
	}
	rowIDs := `Array.from(document.querySelectorAll('#audit table.audit tbody tr')).map((r) => r.dataset.id).join(' ')`
	p1 := apiPage("limit=25")
	if got := c.eval(rowIDs); got != ids(p1) || p1.Next == "" {
		t.Fatalf("audit page 1 shows %q, the API %q (next %q)", got, ids(p1), p1.Next)
	}
	// Keyboard: Tab reaches Next; Enter shows page 2, as the API pages.
	c.do("start from the top", chromedp.Evaluate[chromedp.Void](`document.getElementById('main').focus()`))
	c.tabTo(`#audit-user`, 60)
	c.tabTo(`#audit-next`, 20)
	c.do("next page", chromedp.KeyEvent(kb.Enter))
	p2 := apiPage("limit=25&cursor=" + url.QueryEscape(p1.Next))
	c.wait("page 2", fmt.Sprintf(`document.getElementById('audit-page').textContent === 'Page 2' && %s === %q`, rowIDs, ids(p2)), 10*time.Second)
	c.do("previous page", chromedp.Click(chromedp.ID("audit-prev")))
	c.wait("page 1 again", fmt.Sprintf(`%s === %q`, rowIDs, ids(p1)), 10*time.Second)
	// User names stay on one line.
	if v := c.eval(`String(Array.from(document.querySelectorAll('#audit td.user')).filter((td) => { const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length > 1; }).length)`); v != "0" {
		t.Errorf("%s user names wrap in the audit table", v)
	}
	// Filters: user, outcome and a time range typed in the plan's zone.
	loc, _ := time.LoadLocation(planTZ)
	from := time.Now().Add(-10 * time.Minute).In(loc).Truncate(time.Minute)
	c.do("filter", c.setVal("audit-user", adminUser), c.setVal("audit-outcome", "accepted"),
		c.setVal("audit-from", from.Format("2006-01-02T15:04")), chromedp.Click(chromedp.ID("audit-apply")))
	q := "user=" + url.QueryEscape(adminUser) + "&outcome=accepted&from=" + url.QueryEscape(from.UTC().Format(time.RFC3339)) + "&limit=25"
	pf := apiPage(q)
	if len(pf.Entries) == 0 {
		t.Fatalf("the API has no entries for ?%s", q)
	}
	c.wait("the filtered rows", fmt.Sprintf(`%s === %q`, rowIDs, ids(pf)), 10*time.Second)
	for _, e := range pf.Entries {
		if e.User != adminUser {
			t.Errorf("filtered entry %s is by %s", e.ID, e.User)
		}
	}
	// CSV: every matching entry (all pages), as the API lists them.
	var all []string
	for cur := ""; ; {
		p := apiPage(strings.Replace(q, "&limit=25", "&limit=7", 1) + "&cursor=" + url.QueryEscape(cur))
		for _, e := range p.Entries {
			all = append(all, e.ID)
		}
		if p.Next == "" {
			break
		}
		cur = p.Next
	}
	c.tabTo(`#audit-csv`, 60)
	c.do("export", chromedp.KeyEvent(kb.Enter))
	var file []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && file == nil; time.Sleep(100 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(downloads, "resync-audit-*.csv"))
		if len(m) == 1 {
			file, _ = os.ReadFile(m[0])
		}
	}
	recs, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("the downloaded CSV: %v\n%s", err, file)
	}
	var csvIDs []string
	for _, r := range recs[1:] {
		csvIDs = append(csvIDs, r[1])
	}
	if recs[0][1] != "id" || !slices.Equal(csvIDs, all) {
		t.Errorf("CSV ids %v (header %v), want the API's %v", csvIDs, recs[0], all)
	}
	t.Logf("audit: 2 pages of 25, %d filtered entries, %d CSV rows", len(pf.Entries), len(csvIDs))

	// 4. The review item: the question, the answer, the cited job, why.
	reviewID := reviewIDOf(operatorUser, turnID)
	rev := fmt.Sprintf(`document.querySelector('#review-queue li[data-id=%q]')`, reviewID)
	c.wait("the review item", rev+` !== null`, 20*time.Second)
	txt := c.eval(rev + `.innerText`)
	for _, w := range []string{"Rated low", "rated 1/5: the log tail is too short", "show the log of " + job.Name, "Question", "Answer", "Cited"} {
		if !strings.Contains(txt, w) {
			t.Errorf("the review item misses %q:\n%s", w, txt)
		}
	}
	if c.eval(fmt.Sprintf(`String(%s.querySelector('.review-cited a.chip[data-id=%q]') !== null)`, rev, job.ID)) != "true" {
		t.Errorf("the review item does not show the cited job %s:\n%s", job.Name, c.eval(rev+`.innerHTML`))
	}
	if c.eval(`String(`+rev+`.querySelector('.review-answer').innerText.trim().length > 0)`) != "true" {
		t.Error("the review item shows no answer")
	}
	c.tabTo(fmt.Sprintf(`#review-queue li[data-id=%q] button.approve`, reviewID), 80)
	c.a11y("the review page")
	c.shotBoth("console-review")

	problems, _, _ := blog.report()
	if csp := c.eval(`JSON.stringify(window.__csp)`); csp != "[]" {
		problems = append(problems, "securitypolicyviolation: "+csp)
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	t.Logf("console run took %s", time.Since(start).Round(time.Millisecond))
}

// newHTTPServer serves h on a loopback port until the test ends; it
// returns the base URL.
func newHTTPServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// reviewIDOf is the id memory gives the low-rating review item of a turn.
func reviewIDOf(user, turnID string) string {
	sum := sha256.Sum256([]byte(user + "\x00" + turnID + "\x00" + "low rating"))
	return "rev-" + hex.EncodeToString(sum[:12])
}

// expandLines reads a citation's "3-5,9" into line numbers.
func expandLines(t *testing.T, spec string) []int {
	t.Helper()
	var out []int
	for _, part := range strings.Split(spec, ",") {
		from, to, ok := strings.Cut(part, "-")
		a, err := strconv.Atoi(from)
		if err != nil {
			t.Fatalf("cited lines %q", spec)
		}
		b := a
		if ok {
			if b, err = strconv.Atoi(to); err != nil {
				t.Fatalf("cited lines %q", spec)
			}
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
