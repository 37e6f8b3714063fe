package hwasim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// Job logs: a realistic stdlist per run — a header block, the jobmanrc trace,
// a JOBINFO block, the script's output (timestamped, with error lines when
// the run abended) and a footer with the exit status, elapsed and CPU time.
// A running job's log grows with the clock and has no footer yet.

const banner = "==============================================================="

var errorLines = []string{
	"ORA-01555: snapshot too old: rollback segment number 12 with name \"_SYSSMU12$\" too small",
	"java.io.IOException: Connection reset by peer",
	"ERROR: relation \"stage.daily_positions\" does not exist",
	"sftp: connect to host ftp.partner.example port 22: Connection timed out",
	"E1042: input file /data/in/feed.dat is empty",
	"Segmentation fault (core dumped)",
}

var infoLines = []string{
	"reading input batch %d",
	"processed %d records",
	"committing transaction %d",
	"writing output partition %d",
	"validated %d rows, 0 rejected",
	"calling service endpoint (attempt %d)",
}

func stamp(t time.Time) string { return t.UTC().Format("Mon 01/02/2006 15:04:05 MST") }

// jobLog returns the stdlist lines of r and the index of the first and one
// past the last content line (the part contentOnly keeps).
func (p *plan) jobLogLines(j *job, r *run) (lines []string, from, to int) {
	header := []string{
		banner,
		fmt.Sprintf("= JOB       : %s#%s[(%s),(%s)].%s", j.ws.name, j.stream.name,
			j.stream.sched.UTC().Format("1504 01/02/06"), strings.ToUpper(strings.ReplaceAll(j.stream.id, "-", "")[:16]), j.name),
		"= USER      : twsuser",
		"= JCLFILE   : " + j.command,
		"= TWSRCMAP  :",
		"= AGENT     : " + j.ws.name,
		"= Job Number: " + strconv.Itoa(r.number),
		"= " + stamp(r.start),
		banner,
	}
	end := r.end
	running := end.IsZero()
	if running {
		end = p.now
	}
	content := []string{
		"+ . /opt/wa/TWS/jobmanrc " + j.command,
		"+ JOBINFO BEGIN",
		"JOBINFO: job=" + j.name + " stream=" + j.stream.name + " workstation=" + j.ws.name,
		"JOBINFO: jobnumber=" + strconv.Itoa(r.number) + " attempt=" + strconv.Itoa(r.attempt) + " runid=" + r.id,
		"JOBINFO: start=" + instant(r.start),
		"+ JOBINFO END",
	}
	total := p.duration(j, r.attempt)
	n := 8 + int(hash01(p.seed, r.id, "lines")*40)
	for i := 0; i < n; i++ {
		at := r.start.Add(time.Duration(float64(total) * float64(i+1) / float64(n+1)))
		if at.After(end) {
			break
		}
		tmpl := infoLines[int(hash01(p.seed, r.id, "l", strconv.Itoa(i))*float64(len(infoLines)))]
		content = append(content, fmt.Sprintf("%s INFO  %s: %s", at.UTC().Format("2006-01-02 15:04:05"), j.name,
			fmt.Sprintf(tmpl, (i+1)*int(100+hash01(p.seed, r.id, "n")*900))))
	}
	if !running && r.status == workload.InternalAbend {
		e := errorLines[int(hash01(p.seed, r.id, "err")*float64(len(errorLines)))]
		content = append(content,
			fmt.Sprintf("%s ERROR %s: %s", end.UTC().Format("2006-01-02 15:04:05"), j.name, e),
			fmt.Sprintf("%s ERROR %s: step failed, exiting with %d", end.UTC().Format("2006-01-02 15:04:05"), j.name, r.rc))
	}
	lines = append(header, content...)
	from, to = len(header), len(lines)
	if running {
		return lines, from, to
	}
	elapsed := r.end.Sub(r.start)
	cpu := elapsed.Seconds() * (0.05 + 0.2*hash01(p.seed, r.id, "cpu"))
	lines = append(lines,
		banner,
		"= Exit Status           : "+strconv.Itoa(r.rc),
		fmt.Sprintf("= Elapsed Time (hh:mm:ss) : %02d:%02d:%02d", int(elapsed.Hours()), int(elapsed.Minutes())%60, int(elapsed.Seconds())%60),
		fmt.Sprintf("= Job CPU usage (user)  : %.2f s", cpu*0.8),
		fmt.Sprintf("= Job CPU usage (system): %.2f s", cpu*0.2),
		"= "+stamp(r.end),
		banner,
	)
	return lines, from, to
}

// jobLog serves GET /plan/job/run/{run_id}/joblog: text/plain, lines
// numbered from 1, from_line and to_line inclusive, contentOnly=true without
// header and footer. A run that has not started has no log (404).
func (s *Server) jobLog(w http.ResponseWriter, r *http.Request, seg []string) {
	id := seg[3]
	rn, ok := s.plan.runByID[id]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no job run with id "+id+" in the plan")
		return
	}
	if rn.start.IsZero() {
		writeError(w, http.StatusNotFound, "JOBLOG_NOT_AVAILABLE", "the run has not started: no job log yet")
		return
	}
	fromLine, err := intParam(r, "from_line", 1, 0, 1<<30)
	if err != nil {
		badRequest(w, err)
		return
	}
	toLine, err := intParam(r, "to_line", 1<<30, 0, 1<<30)
	if err != nil {
		badRequest(w, err)
		return
	}
	contentOnly := false
	switch strings.ToLower(r.URL.Query().Get("contentOnly")) {
	case "", "false":
	case "true":
		contentOnly = true
	default:
		badRequest(w, fmt.Errorf("contentOnly must be true or false"))
		return
	}
	lines, from, to := s.plan.jobLogLines(s.plan.runJob[id], rn)
	if contentOnly {
		lines = lines[from:to]
	}
	fromLine = max(fromLine, 1)
	var out []string
	if fromLine <= len(lines) && toLine >= fromLine {
		out = lines[fromLine-1 : min(len(lines), toLine)]
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if len(out) > 0 {
		w.Write([]byte(strings.Join(out, "\n") + "\n"))
	}
}
