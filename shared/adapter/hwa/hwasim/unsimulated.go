package hwasim

import (
	"net/http"
	"strings"
)

// specOp is one operation of specOps, split for matching.
type specOp struct {
	method, template string
	segs             []string // "" for a {parameter} segment
}

func parseSpecOps() []specOp {
	out := make([]specOp, 0, len(specOps))
	for _, o := range specOps {
		method, template, _ := strings.Cut(o, " ")
		segs := strings.Split(strings.TrimPrefix(template, "/"), "/")
		for i, s := range segs {
			if strings.HasPrefix(s, "{") {
				segs[i] = ""
			}
		}
		out = append(out, specOp{method: method, template: template, segs: segs})
	}
	return out
}

// matchSpec returns the vendor template of method on the path segments
// (relative to /twsd/api/v2), preferring literal segments over parameters
// from the left, as OpenAPI routers do; "" when the vendor file has none.
func (s *Server) matchSpec(method string, seg []string) string {
	best, bestScore := "", -1
	for _, o := range s.ops {
		if o.method != method || len(o.segs) != len(seg) {
			continue
		}
		score, ok := 0, true
		for i, want := range o.segs {
			switch {
			case want == "":
			case want == seg[i]:
				score |= 1 << (len(seg) - 1 - i)
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && score > bestScore {
			best, bestScore = o.template, score
		}
	}
	return best
}

// simulated reports whether the simulator serves method on the vendor
// template.
func simulated(method, template string) bool {
	verb := template[strings.LastIndexByte(template, '/')+1:]
	switch method + " " + template {
	case "GET /engine/info",
		"GET /plan/job", "GET /plan/job/count", "GET /plan/job/issues", "GET /plan/job/{job_id}",
		"GET /plan/job/{job_id}/predecessors", "GET /plan/job/{job_id}/successors",
		"GET /plan/job/run/{run_id}/joblog", "PUT /plan/job/run/{run_id}/action/rerun",
		"GET /plan/jobstream", "GET /plan/jobstream/count", "GET /plan/jobstream/{jobstream_id}",
		"GET /plan/jobstream/{jobstream_id}/predecessors", "GET /plan/jobstream/{jobstream_id}/successors",
		"GET /plan/workstation", "GET /plan/workstation/{workstation_id}",
		"GET /plan/resource", "GET /plan/resource/{resource_id}", "PUT /plan/prompt/{prompt_id}/action/reply",
		"POST /plan/jobstream/{model_jobstream_id}/submit", "POST /plan/job/{model_job_id}/submit",
		"POST /plan/job/submit-ad-hoc-job":
		return true
	case "PUT /plan/job/{job_id}/action/" + verb:
		return jobVerbs[verb]
	case "PUT /plan/jobstream/{jobstream_id}/action/" + verb:
		return streamVerbs[verb]
	case "PUT /plan/workstation/{workstation_id}/action/" + verb:
		return wsVerbs[verb]
	}
	return false
}

// notSimulated answers 501 for an operation of the vendor file the
// simulator does not serve.
func notSimulated(w http.ResponseWriter, method, template string) {
	writeError(w, http.StatusNotImplemented, "NOT_IMPLEMENTED",
		method+" "+apiPrefix+template+" is part of HWA REST API V2 but not simulated by hwasim")
}
