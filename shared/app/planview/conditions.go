package planview

import (
	"context"
	"strings"

	"github.com/resync/resync/shared/adapter/hwa"
)

// ConditionNamed reports whether name is a resource of the plan or a prompt
// waiting for a reply (memory.ConditionNames): the answer auditor then
// knows "DB_CONNECTIONS" and "CONFIRM_TAPE" as plan objects. Errors are
// the hwa client's.
func (h HWA) ConditionNamed(ctx context.Context, name string) (bool, error) {
	rs, err := h.Client.Resources(ctx, hwa.Query{OQL: hwa.Eq("name", name), MaxResults: 1})
	if err != nil {
		return false, err
	}
	if len(rs) > 0 {
		return true, nil
	}
	ps, err := h.Client.OpenPrompts(ctx, 0)
	if err != nil {
		return false, err
	}
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return true, nil
		}
	}
	return false, nil
}
