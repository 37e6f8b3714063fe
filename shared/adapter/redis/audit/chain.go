package audit

import "github.com/resync/resync/shared/domain/trail"

// The chain's vocabulary lives in the domain (package trail); these names
// stay so that callers of this package read as before.
type (
	// Verification is trail.Verification: the result of walking one day's
	// durable chain.
	Verification = trail.Verification
	// Break is trail.Break: one place where a chain does not hold.
	Break = trail.Break
)

// MaxBreaks bounds Verification.Breaks (trail.MaxBreaks).
const MaxBreaks = trail.MaxBreaks
