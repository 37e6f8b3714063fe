package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// The intents of prompts and resources (issue 14): the prompts waiting
// for a reply and what they ask, who holds a resource and how many units
// are free, which resources are exhausted, why a job waits for a prompt or
// a resource, and a reply proposed by the operator agent. Each grader
// reads its ground truth from the simulator through the HWA client.

func (t *truth) openPrompts() []workload.Prompt {
	ps, err := t.hc.OpenPrompts(context.Background(), 0)
	if err != nil {
		return nil
	}
	var out []workload.Prompt
	for _, p := range ps {
		if p.Status.Open() {
			out = append(out, p)
		}
	}
	return out
}

func (t *truth) resources() []workload.Resource {
	rs, err := t.hc.Resources(context.Background(), hwa.Query{})
	if err != nil {
		return nil
	}
	return rs
}

// promptGrade: the answer names the prompt and quotes its question.
func promptGrade(p workload.Prompt) func(evalAnswer) string {
	return func(a evalAnswer) string {
		switch {
		case containsName(a.text, p.Name) && strings.Contains(a.text, p.Text):
			return gradeCorrect
		case containsName(a.text, p.Name) || strings.Contains(a.text, p.Text):
			return gradePartial
		case declined(a):
			return gradeDeclined
		}
		return gradeWrong
	}
}

// holdersGrade: the answer names the resource, every holder and the free
// units.
func holdersGrade(r workload.Resource) func(evalAnswer) string {
	return func(a evalAnswer) string {
		if !containsName(a.text, r.Name) {
			if declined(a) {
				return gradeDeclined
			}
			return gradeWrong
		}
		for _, h := range r.Holders {
			if !containsName(a.text, h.JobName) {
				return gradePartial
			}
		}
		if !strings.Contains(a.text, fmt.Sprintf("%d free", r.Available)) {
			return gradePartial
		}
		return gradeCorrect
	}
}

// conditionGrade: why a job waits names what holds it (the prompt or the
// resource) and the detail (the prompt's question, a holder).
func conditionGrade(name, detail string) func(evalAnswer) string {
	return func(a evalAnswer) string {
		switch {
		case containsName(a.text, name) && strings.Contains(a.text, detail):
			return gradeCorrect
		case containsName(a.text, name):
			return gradePartial
		case declined(a):
			return gradeDeclined
		}
		return gradeWrong
	}
}

func promptBank(t *truth) []question {
	var qs []question
	add := func(intent, agent string, grade func(evalAnswer) string, texts ...string) {
		for _, s := range texts {
			qs = append(qs, question{intent: intent, agent: agent, text: s, grade: grade})
		}
	}
	open := t.openPrompts()
	var openNames []string
	var tape workload.Prompt
	for _, p := range open {
		openNames = append(openNames, p.Name)
		if p.Name == "CONFIRM_TAPE" {
			tape = p
		}
	}
	if len(open) > 0 {
		add("prompts-open", "", func(a evalAnswer) string { return listGrade(a, openNames, nil) },
			"which prompts are waiting for a reply?", "any prompts waiting?", "list open prompts", "what prompts need an answer")
	}
	if tape.ID != "" {
		add("prompt-text", "", promptGrade(tape),
			"what is the tape prompt asking?", "what does prompt CONFIRM_TAPE ask", "show me the tape prompt")
		add("why-prompt", "", conditionGrade(tape.Name, tape.Text),
			"why is WAIT_PROMPT_J1 waiting?", "what is WAIT_PROMPT_J1 waiting for")
		propose := func(a evalAnswer) string {
			switch {
			case a.proposals == 1 && containsName(a.text, tape.Name):
				return gradeCorrect
			case declined(a):
				return gradeDeclined
			}
			return gradeWrong
		}
		add("propose-reply", "operator", propose,
			"reply yes to the tape prompt", "please answer yes to prompt CONFIRM_TAPE", "reply no to the tape prompt")
	}
	var exhausted []string
	for _, r := range t.resources() {
		if r.Available == 0 {
			exhausted = append(exhausted, r.Name)
		}
		if r.Name != "DB_CONNECTIONS" {
			continue
		}
		add("resource-holders", "", holdersGrade(r),
			"who holds DB_CONNECTIONS?", "who is holding DB_CONNECTIONS", "how many DB_CONNECTIONS are free?", "resource DB_CONNECTIONS")
		if len(r.Holders) > 0 {
			add("why-resource", "", conditionGrade(r.Name, r.Holders[0].JobName),
				"why is WAIT_RESOURCE_J1 not starting?", "what's blocking WAIT_RESOURCE_J1")
		}
	}
	if len(exhausted) > 0 {
		add("resources-exhausted", "", func(a evalAnswer) string { return listGrade(a, exhausted, nil) },
			"which resources are exhausted?", "any resource contention?", "resources with no free units")
	}
	return qs
}
