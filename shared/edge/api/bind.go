package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/resync/resync/shared/edge/routes"
)

// Bind registers on mux, through e, one handler for each HTTP route that the
// route table (shared/edge/routes) gives to e.Function, taken from handlers
// by the route's key ("GET /api/v1/jobs/{id}"), and a problem+json 404 for
// every other request. The table and the handlers must agree: Bind returns
// an error naming every route of the function without a handler and every
// handler without a route, and then registers nothing.
func (e *Edge) Bind(mux *http.ServeMux, handlers map[string]HandlerFunc) error {
	if e.Function == "" {
		return errors.New("api: bind: the edge names no function")
	}
	var own []routes.HTTPRoute
	var missing []string
	for _, rt := range routes.HTTP() {
		if rt.Function != e.Function {
			continue
		}
		own = append(own, rt)
		if _, ok := handlers[rt.Key()]; !ok {
			missing = append(missing, rt.Key())
		}
	}
	var extra []string
	for key := range handlers {
		if !slices.ContainsFunc(own, func(rt routes.HTTPRoute) bool { return rt.Key() == key }) {
			extra = append(extra, key)
		}
	}
	slices.Sort(extra)
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, "no handler for routes "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		problems = append(problems, "handlers for "+strings.Join(extra, ", ")+" have no route in shared/edge/routes")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: bind routes: %s", e.Function, strings.Join(problems, "; "))
	}
	for _, rt := range own {
		e.Handle(mux, rt, handlers[rt.Key()])
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteProblem(w, r, NotFound("no route "+r.Method+" "+r.URL.Path))
	}))
	return nil
}
