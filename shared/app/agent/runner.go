package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/llm"
)

// Sink receives what a run produces while it runs. An error from any method
// stops the run and is returned by Run (for example the connection is gone).
type Sink interface {
	// Delta is a piece of answer text, in order (the caller coalesces).
	Delta(text string) error
	// Tool reports a tool: running, then done, failed or refused.
	Tool(t frames.Tool) error
	// Proposal reports an action proposal the user may confirm.
	Proposal(p frames.Proposal) error
}

// ModelFunc returns the model for a model id from the agents file
// ("default" for the deployment's default).
type ModelFunc func(modelID string) (llm.Model, error)

// OneModel answers every model id with m (the offline model, tests).
func OneModel(m llm.Model) ModelFunc {
	return func(string) (llm.Model, error) { return m, nil }
}

// RunnerConfig configures a Runner. Agents, Models and Tools are required.
type RunnerConfig struct {
	Agents  *Agents
	Models  ModelFunc
	Tools   *Tools
	History *History // nil: no memory between turns

	// MaxIterations bounds the model calls of one turn (default 8).
	MaxIterations int
	// MaxToolOutput bounds one tool result given to the model (default 16 KB).
	MaxToolOutput int
	// Timeout bounds one turn (default 60 s); ctx's own deadline also holds.
	Timeout time.Duration
	// MaxTokens per model call (0: the model's default).
	MaxTokens int
	// Now defaults to time.Now; it dates the system prompt.
	Now func() time.Time
	// Context, when set, returns text added to the system prompt for this
	// turn (for example corrections reviewers approved for similar
	// questions). Its error is not fatal: the turn goes on without it.
	Context func(ctx context.Context, turn Turn) (string, error)
}

// Runner runs the agent loop. It is safe for concurrent use.
type Runner struct {
	cfg RunnerConfig
}

// NewRunner returns a Runner; it reports every missing dependency at once.
func NewRunner(cfg RunnerConfig) (*Runner, error) {
	var missing []string
	if cfg.Agents == nil {
		missing = append(missing, "Agents")
	}
	if cfg.Models == nil {
		missing = append(missing, "Models")
	}
	if cfg.Tools == nil {
		missing = append(missing, "Tools")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("agent: new runner: missing %s", strings.Join(missing, ", "))
	}
	if cfg.MaxIterations <= 0 {
		cfg.MaxIterations = 8
	}
	if cfg.MaxToolOutput <= 0 {
		cfg.MaxToolOutput = 16 << 10
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Runner{cfg: cfg}, nil
}

// Turn is one user message to an agent.
type Turn struct {
	User           string   // the verified user (token subject)
	Roles          []string // the user's roles
	ConversationID string
	MessageID      string // the chat frame's id; frames carry it
	AgentID        string // "" for the default agent
	Text           string
}

// MaxTurnText bounds the user's text.
const MaxTurnText = frames.MaxTextBytes

// Stop reasons of an Answer.
const (
	StopDone       = "end_turn"   // the model finished
	StopIterations = "iterations" // MaxIterations model calls were used
	StopMaxTokens  = "max_tokens" // the model ran out of output tokens
)

// Answer is the result of a turn.
type Answer struct {
	Agent     string
	Text      string
	Citations []frames.Citation
	Proposals []ProposalResult
	Stop      string
	Usage     llm.Usage
	// Iterations is the number of model calls made.
	Iterations int
}

// Final returns the final frame of the answer.
func (a Answer) Final(messageID string) frames.Final {
	c := a.Citations
	if c == nil {
		c = []frames.Citation{}
	}
	return frames.Final{Type: frames.TypeFinal, ID: messageID, Text: a.Text, Citations: c}
}

// Run answers one turn: it loads the conversation's history, calls the
// agent's model with the agent's tools until the model ends its turn (or a
// limit is reached), streams text and tool progress to sink, and saves the
// turn to the history.
//
// Errors: ErrInvalidTurn (missing user, conversation or text, text too
// long), ErrUnknownAgent, ErrForbidden (the user's roles may not use the
// agent), a history error (Redis), the model's error (llm.ErrThrottled,
// llm.ErrUnavailable, ...), the sink's error, or ctx's error when the turn
// runs out of time. A limit reached is not an error: Answer.Stop says so.
func (r *Runner) Run(ctx context.Context, turn Turn, sink Sink) (Answer, error) {
	text := strings.TrimSpace(turn.Text)
	switch {
	case text == "":
		return Answer{}, fmt.Errorf("%w: empty message", ErrInvalidTurn)
	case len(text) > MaxTurnText:
		return Answer{}, fmt.Errorf("%w: the message is longer than %d bytes", ErrInvalidTurn, MaxTurnText)
	}
	if err := checkConversation(turn.User, turn.ConversationID); err != nil {
		return Answer{}, err
	}
	ag, err := r.cfg.Agents.Get(turn.AgentID)
	if err != nil {
		return Answer{}, err
	}
	if !ag.Permits(turn.Roles) {
		return Answer{}, actionErr(ErrForbidden, nil, "the %s agent is for the roles %s", ag.ID, strings.Join(ag.Roles, ", "))
	}
	model, err := r.cfg.Models(ag.Model)
	if err != nil {
		return Answer{}, fmt.Errorf("agent: model %q of agent %s: %w", ag.Model, ag.ID, err)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()

	var past []llm.Message
	if r.cfg.History != nil {
		if past, err = r.cfg.History.Load(ctx, turn.User, turn.ConversationID); err != nil {
			return Answer{}, err
		}
	}
	msgs := append(past, llm.Message{Role: llm.User, Content: []llm.Block{{Text: text}}})
	first := len(past)

	var specs []llm.ToolSpec
	for _, s := range Specs() {
		if ag.Allows(s.Name) {
			specs = append(specs, s)
		}
	}
	system := systemPrompt(ag, r.cfg.Now())
	if r.cfg.Context != nil {
		if extra, err := r.cfg.Context(ctx, turn); err == nil && strings.TrimSpace(extra) != "" {
			system += "\n" + strings.TrimSpace(extra) + "\n"
		}
	}
	req := llm.Request{System: system, Tools: specs, MaxTokens: r.cfg.MaxTokens}
	ans := Answer{Agent: ag.ID, Stop: StopDone}
	var said strings.Builder // every text delta, as the client saw it
	var refs []ref

	for ans.Iterations < r.cfg.MaxIterations {
		ans.Iterations++
		req.Messages = msgs
		sep := said.Len() > 0 && !strings.HasSuffix(said.String(), "\n")
		resp, err := model.Stream(ctx, req, func(ev llm.Event) error {
			if ev.TextDelta == "" {
				return nil
			}
			if sep {
				sep = false
				said.WriteString("\n\n")
				if err := sink.Delta("\n\n"); err != nil {
					return err
				}
			}
			said.WriteString(ev.TextDelta)
			return sink.Delta(ev.TextDelta)
		})
		if err != nil {
			return ans, fmt.Errorf("agent: %s: model call %d: %w", ag.ID, ans.Iterations, err)
		}
		ans.Usage.InputTokens += resp.Usage.InputTokens
		ans.Usage.OutputTokens += resp.Usage.OutputTokens
		uses := resp.Message.ToolUses()
		if len(uses) == 0 || resp.StopReason != llm.StopToolUse {
			if resp.StopReason == llm.StopMaxTokens {
				ans.Stop = StopMaxTokens
			}
			// Tool uses that will not run must not stay in the history
			// without results, nor may a message be empty.
			msgs = append(msgs, textOnly(resp.Message))
			break
		}
		msgs = append(msgs, resp.Message)
		last := ans.Iterations == r.cfg.MaxIterations
		results := make([]llm.Block, 0, len(uses))
		for _, u := range uses {
			if last {
				results = append(results, errorBlock(u.ID, CodeRefused, "not run: the step limit of this answer was reached"))
				continue
			}
			res, out, err := r.runTool(ctx, ag, turn, u, sink)
			if err != nil {
				return ans, err
			}
			results = append(results, res)
			refs = append(refs, out.refs...)
			if out.proposal != nil {
				ans.Proposals = append(ans.Proposals, *out.proposal)
			}
		}
		msgs = append(msgs, llm.Message{Role: llm.User, Content: results})
		if last {
			ans.Stop = StopIterations
			note := fmt.Sprintf("I stopped after %d steps without finishing; ask a narrower question.", r.cfg.MaxIterations)
			if said.Len() > 0 {
				note = "\n\n" + note
			}
			said.WriteString(note)
			if err := sink.Delta(note); err != nil {
				return ans, err
			}
			msgs = append(msgs, llm.Message{Role: llm.Assistant, Content: []llm.Block{{Text: strings.TrimSpace(note)}}})
		}
	}
	if err := ctx.Err(); err != nil {
		return ans, fmt.Errorf("agent: %s: %w", ag.ID, err)
	}
	ans.Text = said.String()
	ans.Citations = cite(ans.Text, refs)
	if r.cfg.History != nil {
		if err := r.cfg.History.Append(ctx, turn.User, turn.ConversationID, msgs[first:]); err != nil {
			return ans, err
		}
	}
	return ans, nil
}

// textOnly returns m without tool-use blocks, never empty.
func textOnly(m llm.Message) llm.Message {
	out := llm.Message{Role: llm.Assistant}
	for _, b := range m.Content {
		if b.ToolUse == nil && b.ToolResult == nil && b.Text != "" {
			out.Content = append(out.Content, b)
		}
	}
	if len(out.Content) == 0 {
		out.Content = []llm.Block{{Text: "(no answer)"}}
	}
	return out
}

func errorBlock(toolUseID, code, msg string) llm.Block {
	b, _ := json.Marshal(ErrorResult{Error: msg, Code: code})
	return llm.Block{ToolResult: &llm.ToolResult{ToolUseID: toolUseID, Content: string(b), IsError: true}}
}

// runTool runs one tool use with its frames; only the sink's error is
// returned.
func (r *Runner) runTool(ctx context.Context, ag Agent, turn Turn, u llm.ToolUse, sink Sink) (llm.Block, outcome, error) {
	frame := frames.Tool{Type: frames.TypeTool, ID: turn.MessageID, Name: u.Name}
	if !ag.Allows(u.Name) {
		o := fail(CodeRefused, "the %s agent may not use the tool %q", ag.ID, u.Name)
		o.refused = true
		frame.Status, frame.Summary = "refused", o.summary
		if err := sink.Tool(frame); err != nil {
			return llm.Block{}, o, err
		}
		b, _ := json.Marshal(o.value)
		return llm.Block{ToolResult: &llm.ToolResult{ToolUseID: u.ID, Content: string(b), IsError: true}}, o, nil
	}
	frame.Status, frame.Summary = "running", oneLine(string(u.Input), 200)
	if err := sink.Tool(frame); err != nil {
		return llm.Block{}, outcome{}, err
	}
	o := r.cfg.Tools.run(ctx, Call{User: turn.User, Name: u.Name, Input: u.Input})
	b, err := json.Marshal(o.value)
	if err != nil {
		o = fail(CodeInternal, "%s: the result could not be encoded", u.Name)
		b, _ = json.Marshal(o.value)
	}
	b = fit(b, r.cfg.MaxToolOutput)
	frame.Status, frame.Summary = "done", oneLine(o.summary, 200)
	if o.isError {
		frame.Status = "failed"
	}
	if err := sink.Tool(frame); err != nil {
		return llm.Block{}, o, err
	}
	if o.proposal != nil {
		if err := sink.Proposal(o.proposal.Frame(turn.MessageID)); err != nil {
			return llm.Block{}, o, err
		}
	}
	return llm.Block{ToolResult: &llm.ToolResult{ToolUseID: u.ID, Content: string(b), IsError: o.isError}}, o, nil
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// mentioned reports whether text names s as a whole word (ids and names are
// matched case-insensitively, never inside a longer word).
func mentioned(text, s string) bool {
	if s == "" {
		return false
	}
	lt, ls := strings.ToLower(text), strings.ToLower(s)
	for from := 0; from <= len(lt)-len(ls); {
		i := strings.Index(lt[from:], ls)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(ls)
		if (i == 0 || !wordByte(lt[i-1])) && (end == len(lt) || !wordByte(lt[end])) {
			return true
		}
		from = i + 1
	}
	return false
}

func wordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_' || b == '-'
}

// cite returns the citations of text: every job, job stream and
// workstation the tools showed that the text names by id or name, the log
// tails of the cited jobs, and the runbook sections the text names (by
// document or section) or quotes, each once, in order of first appearance.
func cite(text string, refs []ref) []frames.Citation {
	out := []frames.Citation{}
	seen := map[string]bool{}
	citedJob := map[string]bool{}
	add := func(c frames.Citation) {
		k := c.Kind + "\x00" + c.ID + "\x00" + c.Label
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	for _, r := range refs {
		if r.kind == "log" {
			continue
		}
		if !mentioned(text, r.id) && !mentioned(text, r.name) {
			continue
		}
		switch r.kind {
		case "job":
			citedJob[r.id] = true
			add(frames.Citation{Kind: "job", ID: r.id, Label: r.name, URL: "/api/v1/jobs/" + url.PathEscape(r.id)})
		case "jobstream":
			add(frames.Citation{Kind: "jobstream", ID: r.id, Label: r.name, URL: "/api/v1/jobs?stream=" + url.QueryEscape(r.name)})
		case "workstation":
			add(frames.Citation{Kind: "workstation", ID: r.id, Label: r.name, URL: "/api/v1/jobs?workstation=" + url.QueryEscape(r.name)})
		}
	}
	flat := strings.ToLower(strings.Join(strings.Fields(text), " "))
	docSeen := map[string]bool{}
	for _, r := range refs {
		if r.kind != "document" {
			continue
		}
		// A section named or quoted is cited; a document named without any
		// of its sections is cited at its best hit (the first one shown).
		first := !docSeen[r.id]
		docSeen[r.id] = true
		if !(mentioned(text, r.section) || quotes(flat, r.text) || first && mentioned(text, r.name)) {
			continue
		}
		label := r.name
		if r.section != "" {
			label += " § " + r.section
		}
		add(frames.Citation{Kind: "document", ID: r.id, Label: label, Section: r.section})
	}
	logs := 0
	for _, r := range refs {
		if r.kind == "log" {
			logs++
		}
	}
	for _, r := range refs {
		if r.kind != "log" || !(citedJob[r.id] || mentioned(text, r.runID)) {
			continue
		}
		c := frames.Citation{Kind: "log", ID: r.runID, Label: "log of " + r.name + ", run " + r.runID,
			URL: fmt.Sprintf("/api/v1/jobs/%s/log?tail=%d", url.PathEscape(r.id), max(r.lines, 1))}
		if r.lines > 0 {
			c.Lines = fmt.Sprintf("1-%d", r.lines)
			if logs == 1 { // the line numbers the text quotes can only be this log's
				if quoted := quotedLines(text, r.lines); quoted != "" {
					c.Lines = quoted
				}
			}
		}
		add(c)
	}
	return out
}

// quotes reports whether flat (lower-cased, spaces collapsed) contains the
// opening of chunk: its first 60 characters, or all of a shorter chunk.
func quotes(flat, chunk string) bool {
	c := strings.ToLower(strings.Join(strings.Fields(chunk), " "))
	if r := []rune(c); len(r) > 60 {
		c = string(r[:60])
	}
	return len(c) >= 12 && strings.Contains(flat, c)
}

var lineRef = regexp.MustCompile(`(?i)\blines?\s+(\d{1,5})(?:\s*(?:-|–|to)\s*(\d{1,5}))?`)

// quotedLines returns the line numbers and ranges text quotes ("line 46",
// "lines 40-46"), within 1..n, as "40-46,50"; "" when there are none.
func quotedLines(text string, n int) string {
	var parts []string
	seen := map[string]bool{}
	for _, m := range lineRef.FindAllStringSubmatch(text, -1) {
		// \d{1,5} matches ASCII digits only: Atoi cannot fail.
		from, _ := strconv.Atoi(m[1])
		to := from
		if m[2] != "" {
			to, _ = strconv.Atoi(m[2])
		}
		if from < 1 || to < from || to > n || (from == 1 && to == n) {
			continue
		}
		p := fmt.Sprint(from)
		if to != from {
			p += "-" + fmt.Sprint(to)
		}
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ",")
}

// systemPrompt is the HWA vocabulary, the rules, and the agent's own
// instructions.
func systemPrompt(ag Agent, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "You are %s, an assistant in Resync for HCL Workload Automation (HWA) operators. %s\n", ag.Name, ag.Purpose)
	fmt.Fprintf(&b, "The time is %s.\n\n", now.UTC().Format(time.RFC3339))
	b.WriteString(`HWA vocabulary:
- The plan is the set of jobs and job streams scheduled for the current production period.
- A job stream is a group of jobs run together; a workstation is the agent or machine a job runs on.
  Jobs are named NAME, STREAM.NAME or WORKSTATION#STREAM.NAME.
- Every job has a common status (WAITING, READY, RUNNING, SUCCESSFUL, ERROR, HELD, CANCELED, BLOCKED,
  UNDECIDED, ...) and an internal status (HOLD, READY, INTRO, WAIT, EXEC, SUCC, ABEND, FAIL, CANCL, ...),
  sometimes with a substatus. "Abended" means internal status ABEND; "failed" means common status ERROR
  (ABEND or FAIL). HOLD as internal status usually means waiting for dependencies, not held by an operator.
- A job id identifies the job in the plan; a run id identifies one run (attempt) of it. Logs and reruns
  belong to runs: a rerun starts again from the job's last run.
- Predecessors are what a job waits for; successors are what waits for it. The critical path is the chain
  of critical jobs that decides whether the plan ends on time; a critical job at risk needs attention first.
- A late job or job stream has passed its deadline without completing.

Rules:
- Use the tools to look things up; never invent a job, status, id or log line.
- Name every job you rely on by its name and job id, and quote log lines with their line numbers.
- Keep answers short and factual; list jobs one per line.
- You can only PROPOSE operator actions (rerun, hold, release, cancel, kill, confirm) with propose_action.
  Nothing is executed until the user confirms the proposal with a justification. Never say an action was done.
- A tool result with "resultTruncated" is incomplete; say so, or narrow the question.
`)
	fmt.Fprintf(&b, "\nYour instructions (agent %q):\n%s\n", ag.ID, ag.Instructions)
	return b.String()
}
