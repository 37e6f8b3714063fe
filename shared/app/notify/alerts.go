package notify

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/frames"
)

// Alert kinds besides the plan monitor's event kinds.
const (
	ActionExecuted = "action_executed"
	ActionFailed   = "action_failed"
	Handover       = "handover"
)

// Kinds returns every alert kind a rule may name.
func Kinds() []string {
	return []string{"job_abended", "job_failed", "stream_late", "workstation_unlinked", "workstation_stopped",
		"critical_at_risk", ActionExecuted, ActionFailed, Handover}
}

// JobLink is the console page of a job.
func JobLink(id string) string { return "/#/jobs/" + url.PathEscape(id) }

// DashboardLink is the console's dashboard (late streams, workstations).
const DashboardLink = "/#/dashboard"

// FromEvent turns a plan monitor event into an alert; its key is the
// event's kind, object id and time, so that the same event is one alert.
// Key must be the monitor's unique key (monitor.Alert.Key) when known;
// FromEvent with key "" derives one from the event.
func FromEvent(key string, e frames.Event) Alert {
	str := func(k string) string {
		if v, ok := e.Data[k].(string); ok {
			return v
		}
		return ""
	}
	id, name := str("id"), str("name")
	if key == "" {
		key = e.Kind + ":" + id + ":" + e.At.UTC().Format(time.RFC3339)
	}
	a := Alert{Key: "event:" + key, Kind: e.Kind, At: e.At, Stream: str("stream"), Workstation: str("workstation")}
	critical, _ := e.Data["critical"].(bool)
	switch e.Kind {
	case "job_abended":
		a.Severity, a.Title = Critical, "Job abended: "+name
		a.Text = fmt.Sprintf("%s (job %s) abended", name, id)
		if rc, ok := e.Data["returnCode"]; ok {
			a.Text += fmt.Sprintf(" with return code %v", rc)
			a.Facts = append(a.Facts, Fact{Name: "Return code", Value: fmt.Sprint(rc)})
		}
		if r := str("runId"); r != "" {
			a.Facts = append(a.Facts, Fact{Name: "Run", Value: r})
		}
	case "job_failed":
		a.Severity, a.Title = Warning, "Job failed: "+name
		a.Text = fmt.Sprintf("%s (job %s) is in error (%s)", name, id, str("internalStatus"))
		if critical {
			a.Severity = Critical
		}
	case "critical_at_risk":
		a.Severity, a.Title = Critical, "Critical job at risk: "+name
		a.Text = fmt.Sprintf("critical job %s (job %s) may miss its deadline (%s)", name, id, str("internalStatus"))
	case "stream_late":
		a.Severity, a.Title = Warning, "Job stream late: "+name
		a.Text = fmt.Sprintf("job stream %s (%s) is late", name, id)
		a.Stream = name
	case "workstation_unlinked":
		a.Severity, a.Title = Critical, "Workstation unlinked: "+name
		a.Text = fmt.Sprintf("workstation %s (%s) is not linked", name, id)
		a.Workstation = name
	case "workstation_stopped":
		a.Severity, a.Title = Warning, "Workstation stopped: "+name
		a.Text = fmt.Sprintf("workstation %s (%s) is not running", name, id)
		a.Workstation = name
	default:
		a.Severity, a.Title, a.Text = Info, e.Kind+": "+name, fmt.Sprintf("%s %s (%s)", e.Kind, name, id)
	}
	switch e.Kind {
	case "job_abended", "job_failed", "critical_at_risk":
		a.JobID, a.Link = id, JobLink(id)
		if critical && e.Kind != "critical_at_risk" {
			a.Facts = append(a.Facts, Fact{Name: "Critical", Value: "yes"})
		}
	default:
		a.Link = DashboardLink
	}
	if a.Stream != "" {
		a.Facts = append(a.Facts, Fact{Name: "Job stream", Value: a.Stream})
	}
	if a.Workstation != "" {
		a.Facts = append(a.Facts, Fact{Name: "Workstation", Value: a.Workstation})
	}
	a.Facts = append(a.Facts, Fact{Name: "Detected", Value: e.At.UTC().Format(time.RFC3339)})
	return a
}

// FromAction turns an executed action into an alert keyed by its audit id.
func FromAction(x Action) Alert {
	target := strings.Join(x.Targets, ", ")
	a := Alert{Key: "audit:" + x.ID, Kind: ActionExecuted, Severity: Info, At: x.Time,
		Title: fmt.Sprintf("%s by %s", x.Action, x.User),
		Text:  fmt.Sprintf("%s %s of %s: %s (audit %s)", x.User, x.Action, target, x.Result, x.ID)}
	if !x.OK() {
		a.Kind, a.Severity = ActionFailed, Warning
		a.Title = fmt.Sprintf("%s by %s failed", x.Action, x.User)
	}
	if id := x.JobID(); id != "" {
		a.JobID, a.Link = id, JobLink(id)
	}
	a.Facts = []Fact{{Name: "Target", Value: target}, {Name: "By", Value: x.User}, {Name: "Justification", Value: x.Justification}, {Name: "Result", Value: x.Result}}
	if x.Ticket != "" {
		a.Facts = append(a.Facts, Fact{Name: "Ticket", Value: x.Ticket})
	}
	a.Facts = append(a.Facts, Fact{Name: "Audit record", Value: x.ID}, Fact{Name: "At", Value: x.Time.UTC().Format(time.RFC3339)})
	return a
}
