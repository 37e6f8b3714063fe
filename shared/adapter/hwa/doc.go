// Package hwa is the client of HCL Workload Automation REST API V2
// (/twsd/api/v2): plan reads (jobs, job streams, workstations, job logs,
// predecessors and successors, counts, issues, engine info), operator
// actions (rerun, hold, release, cancel, kill, confirm, ...) and submissions
// (a job stream or a job from its model, an ad-hoc job: submit.go), with
// typed errors, retries for reads only, and safe OQL building.
//
// The wire types in this package mirror the vendor's JSON schemas; the
// simulator in hwasim serves the same shapes. ConvertJob and its siblings
// translate them to the workload domain model. The services read and act
// through two wrappers that speak only the domain: PlanSource (plan reads,
// with planread's errors) and Operator (confirmed actions and submissions,
// with planwrite's errors).
//
// Behaviour worth knowing:
//
//   - New takes the server root; the client adds /twsd/api/v2. Credentials
//     are Basic (User, Password) or a bearer API key, never in the URL.
//     A CA bundle (CAFile or CAPEM) replaces the system roots;
//     InsecureSkipVerify is off unless set. Redirects are not followed.
//   - Reads (GET) are retried on 5xx except 501, 429, 408, timeouts and
//     connection errors, with exponential backoff and full jitter (and
//     Retry-After when longer). Actions (PUT) and submissions (POST) are
//     never retried: a lost answer leaves the outcome unknown and the
//     caller decides.
//   - A job definition's task is a free-form object in the vendor file;
//     ParseTask reads command, script and userLogin from it (the
//     simulator's shape; other keys are ignored) into workload.Task.
//   - Every action sends Content-Type: application/json with "{}" when it
//     has no body (HWA answers 415 otherwise) and the Justification-*
//     headers when given.
//   - List calls follow the server's next link — only its query; scheme and
//     host are ignored so credentials never leave BaseURL — or, without one,
//     offsets, until a short or empty page or the total count.
//   - JSON answers are capped (Config.MaxResponseBytes, 8 MiB by default;
//     more is ErrTooLarge); job logs are truncated to LogOptions.MaxBytes
//     instead, and a tail is computed here through a bounded window.
//   - Every error is an *Error whose text starts "hwa: <operation>:" and
//     whose Kind (ErrNotFound, ErrUnauthorized, ErrForbidden, ErrBadFilter,
//     ErrBadRequest, ErrConflict, ErrRejected, ErrUnavailable, ErrTooLarge,
//     ErrBadResponse) works with errors.Is. Messages are trimmed and never
//     contain the password, the API key or the Authorization value.
//   - OQL string values are single-quoted, each quote inside written twice
//     (see ExampleEq);
//     the vendor documents no escape, and doubling fails safe (see oql.go).
//     Field names must match the documented pattern.
//   - plan_id is never sent: the server's default, the current plan, is used.
package hwa
