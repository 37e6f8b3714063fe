package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/edge/auth"
)

// fakeRunbooks is the graph's sections in memory; fail makes every call
// fail as an unreachable Neo4j does.
type fakeRunbooks struct {
	sections []graph.SectionText
	fail     error
}

func newFakeRunbooks() *fakeRunbooks {
	ref := func(section string, text string) graph.SectionText {
		return graph.SectionText{SectionRef: graph.SectionRef{DocumentID: "doc-payroll", Document: "payroll.md", Section: section, Chunks: 1}, Text: text}
	}
	return &fakeRunbooks{sections: []graph.SectionText{
		ref("", "Owner: the payroll team."),
		ref("Payroll > When the load abends", "Check the tablespace, then rerun the job."),
		ref("Payroll > Escalation / night", "Call the DBA on duty."),
		ref("~", "A heading that is a tilde."),
	}}
}

func (f *fakeRunbooks) Sections(_ context.Context, limit int) ([]graph.SectionRef, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	var out []graph.SectionRef
	for _, s := range f.sections[:min(limit, len(f.sections))] {
		out = append(out, s.SectionRef)
	}
	return out, nil
}

func (f *fakeRunbooks) Section(_ context.Context, doc, section string) (graph.SectionText, error) {
	if f.fail != nil {
		return graph.SectionText{}, f.fail
	}
	for _, s := range f.sections {
		if s.DocumentID == doc && s.Section == section {
			return s, nil
		}
	}
	return graph.SectionText{}, fmt.Errorf("fake: section %q of %s: %w", section, doc, graph.ErrNotFound)
}

func TestSectionURIRoundTrips(t *testing.T) {
	for _, section := range []string{"", "~", "Payroll", "Payroll > When the load abends", "a/b c%d", "Ünïcode > 夜"} {
		uri := sectionURI("doc-1", section)
		doc, got, ok := parseSectionURI(uri)
		if !ok || doc != "doc-1" || got != section {
			t.Errorf("%q → %s → (%q, %q, %v)", section, uri, doc, got, ok)
		}
		if strings.Count(strings.TrimPrefix(uri, runbookURIPrefix), "/") != 1 {
			t.Errorf("%q: URI %s has a slash inside a segment", section, uri)
		}
	}
	for _, bad := range []string{"resync://runbook/", "resync://runbook/doc-1", "resync://runbook/doc-1/", "resync://runbook//x", "resync://runbook/d/a/b", "resync://runbook/d/%zz", "resync://job/x/log"} {
		if _, _, ok := parseSectionURI(bad); ok {
			t.Errorf("%s parsed", bad)
		}
	}
}

func TestRunbookSectionsAreListedAndRead(t *testing.T) {
	f := newFixture(t)
	cs := f.connect(t, f.token(t, "vera", auth.RoleViewer), "", nil)
	ctx := context.Background()
	tmpl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var templates []string
	for _, rt := range tmpl.ResourceTemplates {
		templates = append(templates, rt.URITemplate)
	}
	if !slices.Contains(templates, runbookTemplate) {
		t.Errorf("templates %v lack %s", templates, runbookTemplate)
	}
	list, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Resources) != len(f.books.sections) {
		t.Fatalf("resources: got %d, want the %d sections: %+v", len(list.Resources), len(f.books.sections), list.Resources)
	}
	for i, r := range list.Resources {
		want := f.books.sections[i]
		res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: r.URI})
		if err != nil {
			t.Fatalf("read %s (%q): %v", r.URI, want.Section, err)
		}
		if len(res.Contents) != 1 || !strings.HasSuffix(res.Contents[0].Text, want.Text) || res.Contents[0].MIMEType != runbookMIME {
			t.Errorf("read %s: got %+v, want the text %q", r.URI, res.Contents, want.Text)
		}
		if want.Section != "" && !strings.Contains(res.Contents[0].Text, want.Section) {
			t.Errorf("read %s: the heading %q is not named", r.URI, want.Section)
		}
	}
	for _, uri := range []string{sectionURI("doc-payroll", "Payroll > Nothing"), sectionURI("doc-none", ""), "resync://runbook/doc-payroll/a/b"} {
		if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri}); err == nil {
			t.Errorf("read %s: no error", uri)
		}
	}
}

func TestRunbookOutageKeepsTheOtherResources(t *testing.T) {
	f := newFixture(t)
	f.books.fail = fmt.Errorf("graph: list sections: %w", graph.ErrUnavailable)
	cs := f.connect(t, f.token(t, "vera", auth.RoleViewer), "", nil)
	ctx := context.Background()
	list, err := cs.ListResources(ctx, nil)
	if err != nil || len(list.Resources) != 0 {
		t.Fatalf("list during an outage: %+v, %v; want an empty list", list, err)
	}
	_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: sectionURI("doc-payroll", "")})
	if err == nil || strings.Contains(err.Error(), "graph") {
		t.Errorf("read during an outage: %v; want an error that does not leak the driver's text", err)
	}
}
