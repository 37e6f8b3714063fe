// Package repocheck keeps build outputs out of git. Its test fails when a
// tracked file is larger than 2 MB or is an executable binary (ELF, Mach-O
// or PE), the marks of a stray `go build` or a downloaded server; those
// belong in .gitignore.
//
// The package has no code; run its test with go test ./internal/repocheck/.
package repocheck
