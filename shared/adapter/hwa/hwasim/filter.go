package hwasim

import (
	"fmt"
	"strings"
)

// plan_filter: the conman-like selector of HWA,
//
//	[/folder/]workstation#[/folder/]jobstream[.job]   (jobs)
//	[/folder/]workstation#[/folder/]jobstream         (job streams)
//	[/folder/]workstation                             (workstations)
//
// with "@" as a wildcard in every part; "/@/" matches any folder, the root
// included. Without "#", the whole selector is the stream part (jobs, job
// streams) and the workstation is "@". For jobs the workstation is the one
// the job runs on (conman showjobs). An empty name part means "@", so
// "/MDMDA#/" selects the jobs on MDMDA in job streams of the root folder
// (a folder given is matched exactly; write "MDMDA#@" for all). Whitespace, quotes other than ', brackets, parentheses, "=", ",", ";",
// "*", "?", a second "#", an empty workstation or a second "." is malformed
// (400 PLAN_FILTER_SYNTAX_ERROR).

type filterKind int

const (
	filterJob filterKind = iota
	filterStream
	filterWorkstation
)

// filterError is a malformed plan_filter.
type filterError struct{ msg string }

func (e *filterError) Error() string { return "plan_filter: " + e.msg }

type planFilter struct {
	wsFolder, ws, streamFolder, stream, job func(string) bool
}

func anyMatch(string) bool { return true }

func namePattern(p string) func(string) bool {
	if p == "" || p == "@" {
		return anyMatch
	}
	return likeMatcher(p)
}

func folderPattern(p string) func(string) bool {
	if p == "" || p == "/@/" || p == "@" {
		return anyMatch
	}
	return likeMatcher(p)
}

// splitFolder splits "/A/B/NAME" into "/A/B/" and "NAME".
func splitFolder(s string) (folder, name string, err error) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return "", s, nil
	}
	if s[0] != '/' {
		return "", "", fmt.Errorf("folder %q must start with /", s[:i+1])
	}
	return s[:i+1], s[i+1:], nil
}

func parsePlanFilter(s string, kind filterKind) (*planFilter, error) {
	f := &planFilter{anyMatch, anyMatch, anyMatch, anyMatch, anyMatch}
	if s == "" {
		return f, nil
	}
	if i := strings.IndexAny(s, " \t\r\n\"[](){}=,;*?!<>\\"); i >= 0 {
		return nil, &filterError{fmt.Sprintf("character %q at %d is not allowed", s[i], i)}
	}
	wsPart, rest := "@", s
	if i := strings.IndexByte(s, '#'); i >= 0 {
		wsPart, rest = s[:i], s[i+1:]
		if strings.IndexByte(rest, '#') >= 0 {
			return nil, &filterError{"more than one #"}
		}
	}
	if kind == filterWorkstation {
		if wsPart != "@" || rest == "" {
			return nil, &filterError{"a workstation filter is [/folder/]workstation"}
		}
		wsPart, rest = rest, ""
	}
	wf, wn, err := splitFolder(wsPart)
	if err != nil {
		return nil, &filterError{err.Error()}
	}
	if wn == "" {
		return nil, &filterError{"empty workstation name"}
	}
	if strings.Contains(wn, ".") {
		return nil, &filterError{fmt.Sprintf("workstation %q contains '.'", wn)}
	}
	f.wsFolder, f.ws = folderPattern(wf), namePattern(wn)
	if kind == filterWorkstation {
		return f, nil
	}
	sf, last, err := splitFolder(rest)
	if err != nil {
		return nil, &filterError{err.Error()}
	}
	f.streamFolder = folderPattern(sf)
	stream, jobName, hasDot := strings.Cut(last, ".")
	switch {
	case hasDot && kind == filterStream:
		return nil, &filterError{"a job stream filter has no .job part"}
	case strings.Contains(jobName, "."):
		return nil, &filterError{"more than one '.'"}
	case hasDot && stream == "":
		return nil, &filterError{"empty job stream name before '.'"}
	}
	f.stream, f.job = namePattern(stream), namePattern(jobName)
	return f, nil
}
