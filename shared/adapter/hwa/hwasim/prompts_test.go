package hwasim_test

import (
	"strings"
	"testing"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

func promptDep(t *testing.T, j hwa.JobInPlan) hwa.Dependency {
	t.Helper()
	for _, d := range j.Dependencies {
		if d.DependencyType == "PROMPT" {
			return d
		}
	}
	t.Fatalf("%s has no prompt dependency", j.Name)
	return hwa.Dependency{}
}

func (a *api) reply(id, body string) (int, []byte) {
	a.t.Helper()
	st, _, b := a.do("PUT", "/plan/prompt/"+id+"/action/reply", body, map[string]string{"Content-Type": "application/json"})
	return st, b
}

// TestPromptReply: WAIT_PROMPT_J1 waits for the global prompt CONFIRM_TAPE
// (asked); a no keeps it waiting, a yes releases it, a second yes is 409;
// a malformed body is 400 and an unknown prompt 404.
func TestPromptReply(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	j := a.jobNamed("WAIT_PROMPT_J1")
	d := promptDep(t, j)
	if d.PromptName != "CONFIRM_TAPE" || d.Text != "Is the tape mounted on drive 2?" || d.PromptStatus != "ASKED" ||
		d.PromptType != hwa.PromptTypeGlobal || d.ID == "" || d.Satisfied {
		t.Fatalf("prompt dependency = %+v, want CONFIRM_TAPE asked, global, unsatisfied", d)
	}
	for _, body := range []string{"", "{}", `{"answer": "yes"}`} {
		if st, b := a.reply(d.ID, body); st != 400 {
			t.Errorf("reply %q = %d %s, want 400", body, st, b)
		}
	}
	if st, _ := a.reply("no-such-prompt", `{"answer": true}`); st != 404 {
		t.Errorf("reply to an unknown prompt = %d, want 404", st)
	}
	if st, b := a.reply(d.ID, `{"answer": false}`); st != 200 {
		t.Fatalf("reply no = %d %s", st, b)
	}
	j = a.jobNamed("WAIT_PROMPT_J1")
	if got := state(j); got != "HOLD/HOLD_WAITING_FOR_PROMPT/WAITING" || promptDep(t, j).PromptStatus != "ANSWERED_NO" {
		t.Fatalf("after no: %s, prompt %s; want still waiting, ANSWERED_NO", got, promptDep(t, j).PromptStatus)
	}
	st, b := a.reply(d.ID, `{"answer": true}`)
	if st != 200 || !strings.Contains(string(b), d.ID) {
		t.Fatalf("reply yes = %d %s", st, b)
	}
	j = a.jobNamed("WAIT_PROMPT_J1")
	if got := state(j); got != "EXEC//RUNNING" || !promptDep(t, j).Satisfied {
		t.Errorf("after yes: %s, want EXEC//RUNNING with the prompt satisfied", got)
	}
	if st, b := a.reply(d.ID, `{"answer": true}`); st != 409 {
		t.Errorf("second yes = %d %s, want 409", st, b)
	}
	acts := a.sim.Actions()
	if n := len(acts); n == 0 || acts[n-1].Target != "prompt" || acts[n-1].TargetID != d.ID {
		t.Errorf("the simulator did not record the reply: %+v", acts)
	}
}

// TestPromptsScale: a larger plan has global prompts holding several jobs
// and local prompts holding one, each with its own id and number.
func TestPromptsScale(t *testing.T) {
	a := newAPI(t, hwasim.Config{Jobs: 6000})
	waiting := a.jobs("lastRunCompositeStatus.substatus = 'HOLD_WAITING_FOR_PROMPT'")
	byID := map[string][]string{}
	types := map[string]string{}
	for _, w := range waiting {
		d := promptDep(t, a.job(w.ID))
		byID[d.ID] = append(byID[d.ID], w.Name)
		types[d.ID] = d.PromptType
	}
	var global, local int
	for id, typ := range types {
		switch typ {
		case hwa.PromptTypeGlobal:
			global++
		case hwa.PromptTypeLocal:
			local++
			if len(byID[id]) != 1 {
				t.Errorf("local prompt %s holds %v, want one job", id, byID[id])
			}
		}
	}
	if global < 2 || local < 2 {
		t.Errorf("%d global and %d local prompts hold jobs in a 6,000-job plan, want several of each", global, local)
	}
}
