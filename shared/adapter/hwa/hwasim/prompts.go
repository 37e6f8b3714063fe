package hwasim

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// Prompts in the plan. A global prompt (predefined, "Predefined Prompt")
// may hold several jobs; a local one ("Ad Hoc Prompt") holds its job. A
// prompt is NOT_ASKED until a job waiting for it has nothing else to wait
// for upstream and its time has come; then it is ASKED and the job stays
// HOLD / HOLD_WAITING_FOR_PROMPT until someone replies yes
// (PUT /plan/prompt/{id}/action/reply {"answer": true}): the prompt turns
// ANSWERED_YES and its jobs go on from the reply's time. A no
// (ANSWERED_NO) keeps them waiting and may be followed by a yes; a reply to
// a prompt already answered yes, or not yet asked, is 409.

type prompt struct {
	id, name, text string
	global         bool
	ws             *workstation
	number         int
	status         workload.PromptStatus
	asked, replied time.Time
	users          []*job
}

// promptSpecs are the global prompts the generator adds as the plan grows
// (one per promptJobs jobs) besides the fixture's CONFIRM_TAPE; each holds
// a few normal jobs.
var promptSpecs = []struct{ name, text string }{
	{"LEDGER_CLOSED", "Has finance closed the month-end ledger?"},
	{"SWIFT_GATEWAY_UP", "Is the SWIFT gateway back online?"},
	{"VENDOR_FILE_CHECKED", "Has the vendor master file been checked by hand?"},
	{"DR_SWITCH_DONE", "Is the disaster-recovery switch-over complete?"},
}

const (
	promptJobs      = 1500 // one global prompt per this many jobs, one local per promptJobs/2
	jobsPerGlobal   = 3    // jobs a generated global prompt holds
	localPromptText = "Continue %s after the manual check of its input?"
)

func (g *generator) newPrompt(name, text string, global bool, ws *workstation) *prompt {
	pr := &prompt{id: hashID(g.seed, "prompt", name), name: name, text: text, global: global, ws: ws,
		number: len(g.prompts) + 1, status: workload.PromptNotAsked}
	g.prompts = append(g.prompts, pr)
	g.promptByID[pr.id] = pr
	return pr
}

// waitPrompt gives j a PROMPT dependency on pr.
func (g *generator) waitPrompt(j *job, pr *prompt) {
	d := &dep{id: hashID(g.seed, "prompt dep", j.id, pr.id), typ: workload.DepPrompt, name: pr.name, text: pr.text, prompt: pr, owner: j}
	j.deps = append(j.deps, d)
	pr.users = append(pr.users, j)
}

// addPrompts adds the global and local prompts that scale with the plan:
// per promptJobs jobs one global prompt holding jobsPerGlobal jobs of the
// first half of the plan (so their prompts are asked by now), and two local
// prompts, on jobs chosen by hash.
func (g *generator) addPrompts() {
	nFixJobs := 0
	for _, s := range g.plan.streams[:len(fixtures)] {
		nFixJobs += len(s.jobs)
	}
	normal := g.plan.jobs[nFixJobs:]
	early := normal[:max(1, len(normal)/2)]
	pick := func(salt string, k int) *job {
		return early[int(hash01(g.seed, salt, itoa(k))*float64(len(early)))%len(early)]
	}
	n := max(1, len(g.plan.jobs)/promptJobs)
	for i := 0; i < n; i++ {
		spec := promptSpecs[i%len(promptSpecs)]
		name := spec.name
		if i >= len(promptSpecs) {
			name = fmt.Sprintf("%s_%d", spec.name, i/len(promptSpecs)+1)
		}
		pr := g.newPrompt(name, spec.text, true, g.wsNormal[0])
		for k := 0; k < jobsPerGlobal; k++ {
			if j := pick("global "+name, k); !j.waitsFor(pr) {
				g.waitPrompt(j, pr)
			}
		}
	}
	for i := 0; i < 2*n; i++ {
		j := pick("local", i)
		name := j.name + "_OK"
		if g.promptByID[hashID(g.seed, "prompt", name)] != nil {
			continue
		}
		g.waitPrompt(j, g.newPrompt(name, fmt.Sprintf(localPromptText, j.name), false, j.ws))
	}
}

func (j *job) waitsFor(pr *prompt) bool {
	for _, d := range j.deps {
		if d.prompt == pr {
			return true
		}
	}
	return false
}

// promptType is the vendor's PromptType of pr.
func (pr *prompt) promptType() string {
	if pr.global {
		return hwa.PromptTypeGlobal
	}
	return hwa.PromptTypeLocal
}

// ask marks pr asked at t (a job waiting for it reached it).
func (pr *prompt) ask(t time.Time) {
	if pr.status == workload.PromptNotAsked {
		pr.status, pr.asked = workload.PromptAsked, t
	}
}

// reply answers pr at now.
func (p *plan) reply(pr *prompt, yes bool) error {
	switch pr.status {
	case workload.PromptNotAsked:
		return conflictf("prompt %s has not been asked yet", pr.name)
	case workload.PromptAnsweredYes:
		return conflictf("prompt %s was already answered yes at %s", pr.name, instant(pr.replied))
	}
	pr.replied = p.now
	if !yes {
		pr.status = workload.PromptAnsweredNo
		return nil
	}
	pr.status = workload.PromptAnsweredYes
	for _, j := range pr.users {
		if j.status == workload.InternalHold {
			j.notBefore = later(j.notBefore, p.now)
		}
	}
	return nil
}

// replyAction performs PUT /plan/prompt/{id}/action/reply; the body is
// required (PromptInPlanAnswer).
func (p *plan) replyAction(id string, body []byte) (status int, code, msg string, err error) {
	pr, ok := p.promptByID[id]
	if !ok {
		return 404, "NOT_FOUND", "no prompt with id " + id + " in the plan", nil
	}
	var a struct {
		Answer *bool `json:"answer"`
	}
	if len(body) == 0 || json.Unmarshal(body, &a) != nil || a.Answer == nil {
		return 400, "INVALID_BODY", `the body must be a PromptInPlanAnswer, {"answer": true} or {"answer": false}`, nil
	}
	return 0, "", "", p.reply(pr, *a.Answer)
}
