package graph

import (
	"context"
	"errors"
	"testing"
)

func TestSectionsOfIngestedDocuments(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	d := testDoc(t, s, "uploads/alice/2/payroll.md")
	if ok, err := s.ClaimDocument(ctx, d); err != nil || !ok {
		t.Fatalf("ClaimDocument = %v, %v", ok, err)
	}
	// A section spanning two chunks, stored out of order, and the text
	// before any heading.
	chunks := []DocumentChunk{
		{Ordinal: 0, Section: "", Text: "Owner: the payroll team.", Embedding: vec(s.dims, 0)},
		{Ordinal: 2, Section: "Payroll > When the load abends", Text: "Then rerun the job.", Embedding: vec(s.dims, 2)},
		{Ordinal: 1, Section: "Payroll > When the load abends", Text: "Check the tablespace.", Embedding: vec(s.dims, 1)},
		{Ordinal: 3, Section: "Payroll > Escalation", Text: "Call the DBA.", Embedding: vec(s.dims, 3)},
	}
	if _, err := s.WriteDocument(ctx, d, chunks); err != nil {
		t.Fatal(err)
	}
	refs, err := s.Sections(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var mine []SectionRef
	for _, r := range refs {
		if r.DocumentID == d.ID {
			mine = append(mine, r)
		}
	}
	want := []SectionRef{
		{DocumentID: d.ID, Document: d.Name, Section: "", Chunks: 1},
		{DocumentID: d.ID, Document: d.Name, Section: "Payroll > When the load abends", Chunks: 2},
		{DocumentID: d.ID, Document: d.Name, Section: "Payroll > Escalation", Chunks: 1},
	}
	if len(mine) != len(want) {
		t.Fatalf("sections: got %+v, want %+v", mine, want)
	}
	for i := range want {
		if mine[i] != want[i] {
			t.Errorf("section %d: got %+v, want %+v", i, mine[i], want[i])
		}
	}
	got, err := s.Section(ctx, d.ID, "Payroll > When the load abends")
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "Check the tablespace.\n\nThen rerun the job." || got.Chunks != 2 || got.Document != d.Name {
		t.Errorf("Section = %+v", got)
	}
	for _, tc := range []struct{ doc, section string }{
		{d.ID, "Payroll > No such heading"},
		{"doc-none", "Payroll > Escalation"},
	} {
		if _, err := s.Section(ctx, tc.doc, tc.section); !errors.Is(err, ErrNotFound) {
			t.Errorf("Section(%s, %q) = %v, want ErrNotFound", tc.doc, tc.section, err)
		}
	}
	if _, err := s.Sections(ctx, 1001); !errors.Is(err, ErrInvalid) {
		t.Errorf("Sections(1001) = %v, want ErrInvalid", err)
	}
}
