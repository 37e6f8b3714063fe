package apigw

import (
	"fmt"
	"strings"

	"github.com/resync/resync/shared/edge/routes"
)

// route is one HTTP API route compiled for matching.
type route struct {
	routes.HTTPRoute
	segs     []string // path segments; "{name}" and "{name+}" are parameters
	literals int      // literal segments, for "most specific wins"
	greedy   bool
}

func compile(rs []routes.HTTPRoute) ([]route, error) {
	out := make([]route, 0, len(rs))
	seen := map[string]bool{}
	for _, r := range rs {
		if !strings.HasPrefix(r.Path, "/") || r.Method == "" || r.Function == "" {
			return nil, fmt.Errorf("apigw: route %q: needs a method, a path starting with / and a function", r.Key())
		}
		if seen[r.Key()] {
			return nil, fmt.Errorf("apigw: route %q: defined twice", r.Key())
		}
		seen[r.Key()] = true
		c := route{HTTPRoute: r, segs: split(r.Path)}
		for i, s := range c.segs {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
				if i != len(c.segs)-1 {
					return nil, fmt.Errorf("apigw: route %q: greedy parameter must be last", r.Key())
				}
				c.greedy = true
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			default:
				c.literals++
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match returns the path parameters when path matches r.
func (r route) match(method string, segs []string) (map[string]string, bool) {
	if r.Method != method && r.Method != "ANY" {
		return nil, false
	}
	if len(segs) < len(r.segs) || (!r.greedy && len(segs) != len(r.segs)) {
		return nil, false
	}
	var params map[string]string
	for i, s := range r.segs {
		if !strings.HasPrefix(s, "{") {
			if segs[i] != s {
				return nil, false
			}
			continue
		}
		if params == nil {
			params = map[string]string{}
		}
		name := strings.Trim(s, "{}+")
		if strings.HasSuffix(s, "+}") {
			params[name] = strings.Join(segs[i:], "/")
			break
		}
		if segs[i] == "" {
			return nil, false
		}
		params[name] = segs[i]
	}
	return params, true
}

// find picks the most specific matching route, as API Gateway does: more
// literal segments win, then a fixed-length route over a greedy one, then an
// exact method over ANY.
func find(rs []route, method, path string) (route, map[string]string, bool) {
	segs := split(path)
	var (
		best       route
		bestParams map[string]string
		found      bool
	)
	for _, r := range rs {
		params, ok := r.match(method, segs)
		if !ok {
			continue
		}
		if !found || better(r, best) {
			best, bestParams, found = r, params, true
		}
	}
	return best, bestParams, found
}

func better(a, b route) bool {
	if a.literals != b.literals {
		return a.literals > b.literals
	}
	if a.greedy != b.greedy {
		return !a.greedy
	}
	return a.Method != "ANY" && b.Method == "ANY"
}
